/*
 * A resource workflow's state: everything it carries across continue-as-new, and the small pure
 * helpers that change it. Workflow-safe.
 */
import type {
  ComposedResource,
  Condition,
  DeprovisionRequest,
  JsonObject,
  ObservedObjectEvent,
  PendingApproval,
  ProvisionRequest,
  Requester,
  ResourceOutputs,
  ResourcePhase,
  ResourcePolicy,
  ResourceRef,
  ResourceStatus,
  StepRecord,
  UpdateRequest,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { ObjectRef } from '../cluster/types';
import { summariseComposed } from '../crossplane/composed';

export type Operation =
  | { op: 'provision'; request: ProvisionRequest }
  | { op: 'update'; request: UpdateRequest }
  | { op: 'deprovision'; request: DeprovisionRequest };

export interface DriftReport {
  role: ObservedObjectEvent['role'];
  kind: string;
  name: string;
  what: 'changed' | 'deleted';
  by?: string;
  observedAt: string;
}

export interface ResourceState {
  phase: ResourcePhase;
  owner?: string;
  component?: string;
  labels: Record<string, string>;
  policy?: ResourcePolicy;
  /** Who made the last accepted request; drift repairs act as them. */
  requester?: Requester;
  desiredSpec?: JsonObject;
  lastAppliedSpec?: JsonObject;
  lastGoodSpec?: JsonObject;
  /** The object our last apply produced. */
  applied?: { uid: string; generation: number };
  conditions: Condition[];
  /** resourceVersion of the newest observation of the resource itself. */
  observedVersion?: string;
  composite?: ObjectRef;
  /** Who last changed the composite's spec, as its newest observation says. */
  compositeSpecManager?: string;
  composed: ComposedResource[];
  /** Failures composed resources reported when the current spec was applied (stale ones). */
  failuresAtApply?: Record<string, number>;
  outputs?: ResourceOutputs;
  pendingApproval?: PendingApproval;
  currentRequestId?: string;
  lastError?: string;
  failedOperation?: Operation;
  queue: Operation[];
  drift: DriftReport[];
  acceptedRequestIds: string[];
  /** Newest resourceVersion seen per object UID, to drop duplicate and stale watch events. */
  seenVersions: Record<string, string>;
  steps: StepRecord[];
  nextSeq: number;
}

const MAX_STEPS = 200;
const MAX_REQUEST_IDS = 200;
const MAX_SEEN_OBJECTS = 100;

export function initialState(): ResourceState {
  return {
    phase: 'Pending',
    labels: {},
    conditions: [],
    composed: [],
    queue: [],
    drift: [],
    acceptedRequestIds: [],
    seenVersions: {},
    steps: [],
    nextSeq: 1,
  };
}

/** Appends a step to the history, keeping the newest MAX_STEPS (the full trail is in Temporal). */
export function addStep(
  state: ResourceState,
  now: Date,
  step: string,
  outcome: StepRecord['outcome'],
  message: string,
  requestId = state.currentRequestId,
): void {
  state.steps.push({
    seq: state.nextSeq++,
    at: now.toISOString(),
    requestId,
    step,
    outcome,
    message,
  });
  if (state.steps.length > MAX_STEPS)
    state.steps.splice(0, state.steps.length - MAX_STEPS);
}

/** Remembers a request ID; false when it was already accepted (a retried call or signal). */
export function acceptRequestId(
  state: ResourceState,
  requestId: string,
): boolean {
  if (state.acceptedRequestIds.includes(requestId)) return false;
  state.acceptedRequestIds.push(requestId);
  if (state.acceptedRequestIds.length > MAX_REQUEST_IDS)
    state.acceptedRequestIds.shift();
  return true;
}

/** Kubernetes resourceVersions are opaque, but numeric in practice; compare them when they are. */
function isOlder(version: string, than: string): boolean {
  if (/^\d+$/.test(version) && /^\d+$/.test(than)) {
    return BigInt(version) < BigInt(than);
  }
  return false;
}

/**
 * Whether an observation is new: not a duplicate delivered by another watcher replica, and not older
 * than one already seen. Records it when it is.
 */
export function isFreshObservation(
  state: ResourceState,
  uid: string,
  version: string,
): boolean {
  const seen = state.seenVersions[uid];
  if (seen !== undefined && (seen === version || isOlder(version, seen)))
    return false;
  if (
    seen === undefined &&
    Object.keys(state.seenVersions).length >= MAX_SEEN_OBJECTS
  ) {
    delete state.seenVersions[Object.keys(state.seenVersions)[0]];
  }
  state.seenVersions[uid] = version;
  return true;
}

/** Updates the known composed resources from a watch event on one of them. */
export function recordComposedEvent(
  state: ResourceState,
  event: ObservedObjectEvent,
): void {
  const index = state.composed.findIndex(
    c => c.kind === event.kind && c.name === event.name,
  );
  if (event.type === 'DELETED') {
    if (index !== -1) state.composed.splice(index, 1);
    return;
  }
  const summary = summariseComposed(event);
  if (index === -1) state.composed.push(summary);
  else state.composed[index] = summary;
}

/** A resource as messages name it: `Kind namespace/name`. */
export function describeResource(ref: ResourceRef): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}

/** Whether the resource is there: applied, and not deleted since. */
export function exists(state: ResourceState): boolean {
  return state.applied !== undefined && state.phase !== 'Deleted';
}

export function hasQueued(state: ResourceState, op: Operation['op']): boolean {
  return state.queue.some(o => o.op === op);
}

/** A deprovision is waiting: whatever runs stops waiting and lets it go first. */
export function deprovisionQueued(state: ResourceState): boolean {
  return hasQueued(state, 'deprovision');
}

/**
 * Whether the workflow has nothing left to do: the resource is gone, or never came to be, and no
 * request is waiting.
 */
export function isFinished(state: ResourceState): boolean {
  return (
    state.queue.length === 0 &&
    (state.phase === 'Deleted' ||
      (state.applied === undefined &&
        ['Failed', 'Rejected', 'Expired'].includes(state.phase)))
  );
}

/** What the status query answers, and the workflow returns when it ends. */
export function statusOf(
  ref: ResourceRef,
  workflowId: string,
  state: ResourceState,
): ResourceStatus {
  return {
    ref,
    workflowId,
    phase: state.phase,
    owner: state.owner,
    component: state.component,
    desiredSpec: state.desiredSpec,
    lastAppliedSpec: state.lastAppliedSpec,
    lastGoodSpec: state.lastGoodSpec,
    pendingApproval: state.pendingApproval,
    conditions: state.conditions,
    outputs: state.outputs,
    lastError: state.lastError,
    steps: state.steps,
  };
}
