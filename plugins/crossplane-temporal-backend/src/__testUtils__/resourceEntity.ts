/*
 * A resource workflow's entity outside a worker, for unit tests of its requests and operations:
 * a stand-in for the workflow API (a clock that moves only when a wait times out, patches as the
 * test says) and mocked activities that answer as a cluster would.
 */
import type {
  ApprovalDecision,
  Condition,
  ObservedObjectEvent,
  ProvisionRequest,
  Requester,
  ResourcePolicy,
  ResourceRef,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { ObservedState } from '../activities/types';
import { PATCHES, type PatchId } from '../workflows/patches';
import { ResourceEntity } from '../workflows/ResourceEntity';
import type { WorkflowRuntime } from '../workflows/runtime';
import { runOperation } from '../workflows/operations/runOperation';
import {
  initialState,
  type Operation,
  type ResourceState,
} from '../workflows/state';

export const START = Date.parse('2026-03-01T09:00:00Z');

/**
 * The workflow API's stand-in. A wait whose condition does not hold runs what the test said
 * happens meanwhile (signals, updates), one at a time; when nothing is left, the wait times out
 * and the clock moves on by its timeout.
 */
export class FakeWorkflowRuntime implements WorkflowRuntime {
  nowMs = START;
  /** The patches this run takes: all of them, unless a test replays an older path. */
  patches = new Set<PatchId>(Object.values(PATCHES));
  /** Every patch asked about, in order. */
  readonly asked: PatchId[] = [];
  /** Every wait, with its timeout and whether its condition held. */
  readonly waits: Array<{ timeoutMs: number; held: boolean }> = [];
  readonly warnings: string[] = [];
  private readonly meanwhile: Array<() => void> = [];

  /** Things that happen, in order, while the workflow waits. */
  whileWaiting(...events: Array<() => void>): void {
    this.meanwhile.push(...events);
  }

  patched(patchId: PatchId): boolean {
    this.asked.push(patchId);
    return this.patches.has(patchId);
  }

  async condition(fn: () => boolean, timeoutMs: number): Promise<boolean> {
    await Promise.resolve();
    while (!fn()) {
      const next = this.meanwhile.shift();
      if (!next) {
        this.nowMs += timeoutMs;
        this.waits.push({ timeoutMs, held: false });
        return false;
      }
      next();
    }
    this.waits.push({ timeoutMs, held: true });
    return true;
  }

  now(): number {
    return this.nowMs;
  }

  warn(message: string): void {
    this.warnings.push(message);
  }
}

export const ref: ResourceRef = {
  cluster: 'local',
  apiVersion: 'database.example.org/v1alpha1',
  kind: 'PostgreSQLInstance',
  namespace: 'team-alpha',
  name: 'orders-db',
};

export const alice: Requester = {
  userEntityRef: 'user:default/alice',
  ownershipEntityRefs: ['user:default/alice', 'group:default/team-alpha'],
  kubernetes: { user: 'alice', groups: ['team-alpha'] },
};

export const policy = (
  extra: Partial<ResourcePolicy> = {},
): ResourcePolicy => ({
  drift: 'repair',
  readyTimeoutSeconds: 300,
  ...extra,
});

/** A policy that asks the platform team to approve `operation`. */
export const approvalOf = (
  operation: 'provision' | 'update' | 'deprovision',
  timeoutSeconds = 600,
): ResourcePolicy =>
  policy({
    approval: {
      operations: [operation],
      approvers: ['group:default/platform'],
      timeoutSeconds,
    },
  });

/** Pat's decision, as one of the platform team, on the request that waits. */
export const decisionOf = (
  requestId: string,
  approved: boolean,
  comment?: string,
): ApprovalDecision => ({
  requestId,
  decidedBy: 'user:default/pat',
  decidedByOwnershipRefs: ['group:default/platform'],
  approved,
  comment,
});

export const provisionRequest = (
  extra: Partial<ProvisionRequest> = {},
): ProvisionRequest => ({
  requestId: 'provision-1',
  requestedBy: alice,
  ref,
  spec: { parameters: { size: 'small' } },
  owner: 'group:default/team-alpha',
  policy: policy(),
  ...extra,
});

export const deprovisionOf = (): Extract<Operation, { op: 'deprovision' }> => ({
  op: 'deprovision',
  request: { requestId: 'deprovision-1', requestedBy: alice },
});

export const readyConditions = (generation: number): Condition[] => [
  { type: 'Synced', status: 'True', reason: 'ReconcileSuccess' },
  {
    type: 'Ready',
    status: 'True',
    reason: 'Available',
    observedGeneration: generation,
  },
];

/** What a read finds: the resource, Ready for a generation or with the given conditions. */
export const observedState = (
  conditions: Condition[],
  extra: Partial<ObservedState> = {},
): ObservedState => ({
  exists: true,
  deleting: false,
  conditions,
  composed: [],
  remaining: [],
  ...extra,
});

export const gone = (): ObservedState => ({
  exists: false,
  deleting: false,
  conditions: [],
  composed: [],
  remaining: [],
});

/** Activities that answer as a healthy cluster would, until a test tells them otherwise. */
export function mockActivities() {
  let generation = 0;
  const cluster = {
    applyResource: jest.fn(async () => {
      generation++;
      return { uid: 'uid-1', generation, resourceVersion: `${generation}` };
    }),
    readResourceState: jest.fn(async () =>
      observedState(readyConditions(generation)),
    ),
    deleteResource: jest.fn(
      async (): Promise<'deleted' | 'notFound'> => 'deleted',
    ),
  };
  const validation = {
    validateSpec: jest.fn(async () => {}),
    dryRunApply: jest.fn(async () => {}),
    validateAndDryRun: jest.fn(async () => {}),
  };
  const notifier = { notify: jest.fn(async () => {}) };
  return { cluster, validation, notifier };
}

export function entityFor(options: { state?: ResourceState } = {}) {
  const runtime = new FakeWorkflowRuntime();
  const activities = mockActivities();
  const entity = new ResourceEntity({
    ref,
    workflowId: 'resource-workflow-1',
    state: options.state ?? initialState(),
    activities,
    runtime,
    fallbackPollMs: 30_000,
  });
  return { entity, runtime, activities, state: entity.state };
}

/** A watch event about the resource itself, or one of its composite or managed resources. */
export const event = (
  extra: Partial<ObservedObjectEvent> = {},
): ObservedObjectEvent => ({
  role: 'resource',
  type: 'MODIFIED',
  apiVersion: ref.apiVersion,
  kind: ref.kind,
  namespace: ref.namespace,
  name: ref.name,
  uid: 'uid-1',
  resourceVersion: '1',
  conditions: [],
  observedAt: new Date(START).toISOString(),
  ...extra,
});

/** The history as `step:outcome`, for comparing. */
export const stepsOf = (state: ResourceState) =>
  state.steps.map(s => `${s.step}:${s.outcome}`);

/**
 * A resource provisioned (generation 1, Ready), whose reads answer `readOf(applied generation)`;
 * its steps, waits, patch questions and the apply and notify mocks are cleared, for the test's
 * own operation.
 */
export async function provisioned(
  readOf: (generation: number) => ObservedState = g =>
    observedState(readyConditions(g)),
  extra: Partial<ProvisionRequest> = {},
) {
  const setup = entityFor();
  const { activities, state } = setup;
  activities.cluster.readResourceState.mockImplementation(async () =>
    readOf(state.applied?.generation ?? 0),
  );
  await runOperation(setup.entity, {
    op: 'provision',
    request: provisionRequest(extra),
  });
  expect(state.phase).toBe('Ready');
  state.steps = [];
  setup.runtime.waits.splice(0);
  setup.runtime.asked.splice(0);
  activities.cluster.applyResource.mockClear();
  activities.notifier.notify.mockClear();
  return setup;
}
