/*
 * One resource, as its workflow knows it: the state it carries across runs, what its message
 * handlers and operations share while a run lasts, and the cluster calls they make, each made
 * as the requester with the objects' labels and annotations. The operations (operations/) act
 * through it; the workflow (resourceWorkflow.ts) wires it to Temporal.
 */
import type {
  ApprovalDecision,
  JsonObject,
  ObservedObjectEvent,
  Requester,
  ResourceRef,
  ResourceStatus,
  StepRecord,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { ResourceActivities } from '../activities/types';
import type { Impersonation } from '../cluster/types';
import { failuresBefore } from '../crossplane/composed';
import {
  resourceAnnotations,
  resourceLabels,
} from '../crossplane/objectMetadata';
import type { RequestAccepted } from './definitions';
import { failureMessage } from './failureMessage';
import { takeObservation } from './observations';
import { PATCHES } from './patches';
import { acceptOperation, acceptRetry, type RequestContext } from './requests';
import type { WorkflowRuntime } from './runtime';
import {
  addStep,
  deprovisionQueued,
  describeResource,
  statusOf,
  type Operation,
  type ResourceState,
} from './state';

/** The activities, as the workflow proxies them. */
export interface EntityActivities {
  /** Checks before anything is written: activities of their own (see resourceWorkflow.ts). */
  validation: Pick<
    ResourceActivities,
    'validateSpec' | 'dryRunApply' | 'validateAndDryRun'
  >;
  /** Applies, reads and deletes. */
  cluster: Pick<
    ResourceActivities,
    'applyResource' | 'readResourceState' | 'deleteResource'
  >;
  notifier: Pick<ResourceActivities, 'notify'>;
}

export interface ResourceEntityInit {
  ref: ResourceRef;
  workflowId: string;
  state: ResourceState;
  activities: EntityActivities;
  runtime: WorkflowRuntime;
  /** How often waits read the resource, in case a watch event was missed. */
  fallbackPollMs: number;
}

export interface ApplyExtras {
  /** Take back fields someone else changed (server-side apply with force). */
  force?: boolean;
  annotations?: Record<string, string>;
}

export class ResourceEntity implements RequestContext {
  readonly ref: ResourceRef;
  readonly workflowId: string;
  readonly state: ResourceState;
  readonly activities: EntityActivities;
  readonly runtime: WorkflowRuntime;
  readonly fallbackPollMs: number;
  /** `Kind namespace/name`, for messages. */
  readonly title: string;
  /** The decision on the pending approval, from its update until the wait takes it. */
  decision: ApprovalDecision | undefined;
  /** True while a provision runs (and its patch is in the history): others are refused meanwhile. */
  provisionRunning = false;
  /** Bumped by every fresh observation, so waits wake on events instead of polling. */
  private observations = 0;

  constructor(init: ResourceEntityInit) {
    this.ref = init.ref;
    this.workflowId = init.workflowId;
    this.state = init.state;
    this.activities = init.activities;
    this.runtime = init.runtime;
    this.fallbackPollMs = init.fallbackPollMs;
    this.title = describeResource(init.ref);
  }

  // ---- messages ------------------------------------------------------------------------------

  accept(operation: Operation): RequestAccepted {
    return acceptOperation(this.state, operation, this.now());
  }

  retry(request: { requestId: string; requestedBy: string }): RequestAccepted {
    return acceptRetry(this.state, request, this.now());
  }

  decide(decision: ApprovalDecision): RequestAccepted {
    this.decision = decision;
    return { requestId: decision.requestId, firstTime: true };
  }

  observe(event: ObservedObjectEvent): void {
    if (takeObservation(this.state, event, id => this.runtime.patched(id)))
      this.observations++;
  }

  status(): ResourceStatus {
    return statusOf(this.ref, this.workflowId, this.state);
  }

  // ---- what operations share -----------------------------------------------------------------

  now(): Date {
    return new Date(this.runtime.now());
  }

  step(
    name: string,
    outcome: StepRecord['outcome'],
    message: string,
    requestId?: string,
  ): void {
    addStep(this.state, this.now(), name, outcome, message, requestId);
  }

  deprovisionQueued(): boolean {
    return deprovisionQueued(this.state);
  }

  /** Resolves true on the next fresh observation (or when `orWhen` holds), false on timeout. */
  nextObservation(
    timeoutMs: number,
    orWhen: () => boolean = () => false,
  ): Promise<boolean> {
    const seen = this.observations;
    return this.runtime.condition(
      () => this.observations !== seen || orWhen(),
      timeoutMs,
    );
  }

  fail(operation: Operation, message: string): void {
    this.state.phase = 'Failed';
    this.state.lastError = message;
    this.state.failedOperation = operation;
  }

  identity(requester?: Requester): Impersonation | undefined {
    return requester?.kubernetes;
  }

  /** Who acted, for messages. */
  actor(requester: Requester): string {
    return this.identity(requester)?.user ?? 'the backend';
  }

  objectLabels(): Record<string, string> {
    return resourceLabels(this.state.labels);
  }

  objectAnnotations(
    requester: Requester,
    requestId: string,
    extra: Record<string, string> = {},
  ): Record<string, string> {
    return resourceAnnotations({
      workflowId: this.workflowId,
      requester,
      requestId,
      owner: this.state.owner,
      extra,
    });
  }

  // ---- activities ----------------------------------------------------------------------------

  /** Notifications are a courtesy: when they fail, the workflow goes on without them. */
  async notify(
    recipients: string[],
    title: string,
    description: string,
    severity: 'normal' | 'high',
  ): Promise<void> {
    try {
      await this.activities.notifier.notify({
        recipients,
        title,
        description,
        severity,
        topic: this.workflowId,
      });
    } catch (error) {
      this.runtime.warn('notification failed', {
        workflowId: this.workflowId,
        error: failureMessage(error),
      });
    }
  }

  /** Server-side apply of the spec as the requester; the state remembers what was applied. */
  async apply(
    spec: JsonObject,
    requester: Requester,
    requestId: string,
    extra?: ApplyExtras,
  ) {
    // What composed resources report failing now is about the spec before this apply. Taken
    // before the call: watch news that arrives while it runs reaches the workflow ahead of its
    // result (signals come first in an activation), and may already be about the new spec.
    const failuresAtApply = this.runtime.patched(PATCHES.failuresJudgedBySpec)
      ? failuresBefore(this.state.composed)
      : undefined;
    const applied = await this.activities.cluster.applyResource({
      ref: this.ref,
      spec,
      labels: this.objectLabels(),
      annotations: this.objectAnnotations(
        requester,
        requestId,
        extra?.annotations,
      ),
      as: this.identity(requester),
      force: extra?.force,
    });
    this.state.applied = { uid: applied.uid, generation: applied.generation };
    this.state.lastAppliedSpec = spec;
    this.state.failuresAtApply =
      failuresAtApply ?? failuresBefore(this.state.composed);
    return applied;
  }

  /** Reads the resource and what it is composed of, and takes what it finds into the state. */
  async refresh(requester?: Requester) {
    const state = this.state;
    const observed = await this.activities.cluster.readResourceState({
      ref: this.ref,
      as: this.identity(requester ?? state.requester),
      known: [...(state.composite ? [state.composite] : []), ...state.composed],
    });
    if (observed.exists) {
      state.conditions = observed.conditions;
      state.composed = observed.composed;
      state.composite = observed.composite ?? state.composite;
    }
    return observed;
  }
}
