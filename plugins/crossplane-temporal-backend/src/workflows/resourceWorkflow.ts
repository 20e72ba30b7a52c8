/*
 * The resource workflow: one per claim or namespaced composite, for the resource's whole life.
 * It serialises everything that happens to the resource (provision, update, deprovision,
 * approvals, drift) and keeps the history of it. Crossplane converges the state; this owns the
 * sequence around it.
 */
import {
  ActivityFailure,
  type ActivityOptions,
  type LocalActivityOptions,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  OWNER_ANNOTATION,
  REQUEST_ID_ANNOTATION,
  REQUESTED_BY_ANNOTATION,
  WORKFLOW_ID_ANNOTATION,
  type JsonObject,
  type ObservedObjectEvent,
  type Requester,
  type ResourceRef,
  type ResourceStatus,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { ObservedState, ResourceActivities } from '../activities/types';
import type { Impersonation } from '../cluster/types';
import {
  decideApprovalUpdate,
  deprovisionUpdate,
  desiredSpecQuery,
  historyQuery,
  lastAppliedSpecQuery,
  observedSignal,
  pendingApprovalQuery,
  phaseQuery,
  provisionSignal,
  provisionUpdate,
  retryUpdate,
  statusQuery,
  updateSpecUpdate,
} from './definitions';
import {
  composedSettled,
  describeConditions,
  failureOf,
  failuresBefore,
  isCurrentWithoutGeneration,
  isReadyFor,
  readyWithoutGeneration,
  withoutStaleFailures,
} from './readiness';
import { isOutsider } from './fieldManagers';
import {
  acceptRequestId,
  addStep,
  initialState,
  isFreshObservation,
  recordComposedEvent,
  type DriftReport,
  type Operation,
  type ResourceState,
} from './state';
import type { ApprovalDecision } from '@crossplane-temporal/plugin-crossplane-temporal-common';

export interface ResourceWorkflowOptions {
  /** Continue as new once the history has this many events (Temporal also suggests it itself). */
  historyLimit?: number;
  /**
   * How often to read the resource while waiting, in case a watch event was missed. Readiness is
   * event-driven; this timer is only the fallback.
   */
  fallbackPollSeconds?: number;
  /** How long one attempt of a cluster call may take before it is retried. Default 30. */
  clusterCallTimeoutSeconds?: number;
}

export interface ResourceWorkflowInput {
  ref: ResourceRef;
  /** State carried over from the previous run (continue-as-new). */
  state?: ResourceState;
  options?: ResourceWorkflowOptions;
}

/**
 * Changes to what the workflow does, for `patched()`: running workflows whose histories predate
 * a change replay the old path (see README, "Changing workflow code").
 */
const PATCHES = {
  /**
   * Composed resources' failures are judged by the spec they are about: those that predate an
   * apply are taken before it is sent (not once it has returned, by when news of the new spec may
   * have arrived), and a failure reported for an earlier generation than the resource has is stale.
   */
  failuresJudgedBySpec: 'failures-judged-by-spec',
  /**
   * Fewer round trips per request: the schema check and the dry-run are one activity, and the
   * outputs are taken from the read that confirmed Ready instead of a read of their own.
   */
  fewerRoundTrips: 'fewer-round-trips',
  /** A provision request is refused while another provision runs, not queued behind it. */
  oneProvisionAtATime: 'one-provision-at-a-time',
  /** A claim's composite whose spec someone else changed has drifted, as a composed resource has. */
  compositeChangesAreDrift: 'composite-changes-are-drift',
  /**
   * Where Crossplane does not say which generation its Ready condition is about (claims before
   * Crossplane 1.19), Ready counts for a first generation, and for a later one once it changed
   * after the apply or held for a fallback period since.
   */
  readyWithoutGenerations: 'ready-without-generations',
  /** A deprovision that arrives while a provision is validated stops it before it applies. */
  deprovisionBeforeApply: 'deprovision-before-apply',
  /**
   * An update someone asked for through Backstage takes the claim's fields back from whoever
   * changed them outside it (server-side apply with force), instead of failing on the conflict.
   */
  updatesTakeFieldsBack: 'updates-take-fields-back',
  /** Applies, reads and deletes are local activities, run within the workflow task that asks. */
  localClusterCalls: 'local-cluster-calls',
} as const;

const DEFAULT_HISTORY_LIMIT = 5_000;
const DEFAULT_FALLBACK_POLL_SECONDS = 30;
const DEFAULT_CLUSTER_CALL_TIMEOUT_SECONDS = 30;

// Cluster calls are short; retries are bounded and back off, and requests the cluster refused for
// a reason retrying cannot fix fail at once.
const NON_RETRYABLE = [
  'Forbidden',
  'Invalid',
  'UnknownCluster',
  'NotFound',
  'AlreadyExists',
];

/** Cluster calls, each attempt given `attemptSeconds` before it is retried (a worker may die). */
const clusterCallOptions = (
  attemptSeconds: number,
): ActivityOptions & LocalActivityOptions => ({
  startToCloseTimeout: attemptSeconds * 1000,
  scheduleToCloseTimeout: '5 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 8,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

// Notifications are a courtesy: a few attempts, and the workflow goes on without them.
const notifier = proxyActivities<Pick<ResourceActivities, 'notify'>>({
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '2 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

type WaitOutcome =
  /** `observed`: the read that confirmed Ready. */
  | { kind: 'ready'; observed: ObservedState }
  | { kind: 'failed'; message: string }
  | { kind: 'interrupted' };

type ApprovalOutcome = 'approved' | 'rejected' | 'expired' | 'interrupted';

export async function resourceWorkflow(
  input: ResourceWorkflowInput,
): Promise<ResourceStatus> {
  const { ref } = input;
  const { workflowId } = workflowInfo();
  const historyLimit = input.options?.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  const fallbackPollMs =
    (input.options?.fallbackPollSeconds ?? DEFAULT_FALLBACK_POLL_SECONDS) *
    1000;
  const state: ResourceState = input.state ?? initialState();
  const clusterCalls = clusterCallOptions(
    input.options?.clusterCallTimeoutSeconds ??
      DEFAULT_CLUSTER_CALL_TIMEOUT_SECONDS,
  );
  // Validation is an activity of its own: a request that arrives while it runs (a deprovision)
  // is seen before anything is applied.
  const validation = proxyActivities<ResourceActivities>(clusterCalls);
  // Applies, reads and deletes are short, and the workflow acts on their results at once: they
  // are local activities, run by the worker within the workflow task that asks for them. As
  // activities of their own, each would cost a round trip through the server and a workflow
  // task more for its result, which is what a busy worker spends its time on. Decided once, at
  // the start of the run, so that a run keeps one kind throughout.
  const cluster = patched(PATCHES.localClusterCalls)
    ? proxyLocalActivities<ResourceActivities>(clusterCalls)
    : validation;
  let decision: ApprovalDecision | undefined;
  // True while a provision runs (and its patch is in the history): others are refused meanwhile.
  let provisionRunning = false;
  // Bumped by every fresh observation, so waits wake on events instead of polling.
  let observations = 0;

  const now = () => new Date(Date.now());
  const step = (
    name: string,
    outcome: Parameters<typeof addStep>[3],
    message: string,
    requestId?: string,
  ) => addStep(state, now(), name, outcome, message, requestId);

  // ---- requests -------------------------------------------------------------------------------

  const ensureSameResource = (requestRef: ResourceRef) => {
    const same =
      requestRef.cluster === ref.cluster &&
      requestRef.namespace === ref.namespace &&
      requestRef.apiVersion === ref.apiVersion &&
      requestRef.kind === ref.kind &&
      requestRef.name === ref.name;
    if (!same) {
      throw new Error(
        `this workflow manages ${ref.kind} ${ref.namespace}/${ref.name} (${ref.apiVersion}) in cluster ${ref.cluster}; the request names another resource`,
      );
    }
  };
  const exists = () => state.applied !== undefined && state.phase !== 'Deleted';
  const deprovisionQueued = () => state.queue.some(o => o.op === 'deprovision');
  const hasQueued = (op: Operation['op']) => state.queue.some(o => o.op === op);

  const validateProvision = (request: {
    ref: ResourceRef;
    requestId: string;
  }) => {
    ensureSameResource(request.ref);
    if (state.acceptedRequestIds.includes(request.requestId)) return;
    if (
      exists() ||
      hasQueued('provision') ||
      provisionRunning ||
      state.phase === 'AwaitingApproval'
    ) {
      throw new Error(
        `${ref.kind} ${ref.namespace}/${ref.name} is already provisioned or being provisioned (phase ${state.phase}); send an update to change its spec`,
      );
    }
  };

  const enqueue = (
    operation: Operation,
  ): { requestId: string; firstTime: boolean } => {
    const { requestId } = operation.request;
    const firstTime = acceptRequestId(state, requestId);
    if (firstTime) {
      state.queue.push(operation);
      step(
        'request',
        'info',
        `${operation.op} requested by ${operation.request.requestedBy.userEntityRef}`,
        requestId,
      );
    }
    return { requestId, firstTime };
  };

  setHandler(provisionSignal, request => {
    try {
      validateProvision(request);
      enqueue({ op: 'provision', request });
    } catch (error) {
      // A signal cannot be refused; the refusal goes into the history instead.
      step(
        'request',
        'failed',
        `provision refused: ${(error as Error).message}`,
        request.requestId,
      );
    }
  });

  setHandler(
    provisionUpdate,
    request => enqueue({ op: 'provision', request }),
    {
      validator: validateProvision,
    },
  );

  setHandler(updateSpecUpdate, request => enqueue({ op: 'update', request }), {
    validator: request => {
      if (state.acceptedRequestIds.includes(request.requestId)) return;
      if (!exists() && !hasQueued('provision')) {
        throw new Error(
          `${ref.kind} ${ref.namespace}/${ref.name} is not provisioned (phase ${state.phase}); provision it first`,
        );
      }
      if (deprovisionQueued() || state.phase === 'Deprovisioning') {
        throw new Error(
          `${ref.kind} ${ref.namespace}/${ref.name} is being deprovisioned`,
        );
      }
      if (
        request.spec === null ||
        typeof request.spec !== 'object' ||
        Array.isArray(request.spec)
      ) {
        throw new Error('spec must be an object');
      }
    },
  });

  setHandler(
    deprovisionUpdate,
    request => enqueue({ op: 'deprovision', request }),
    {
      validator: request => {
        if (state.acceptedRequestIds.includes(request.requestId)) return;
        if (deprovisionQueued() || state.phase === 'Deprovisioning') {
          throw new Error(
            `${ref.kind} ${ref.namespace}/${ref.name} is already being deprovisioned`,
          );
        }
        if (state.phase === 'Deleted') {
          throw new Error(
            `${ref.kind} ${ref.namespace}/${ref.name} is already deleted`,
          );
        }
      },
    },
  );

  setHandler(
    decideApprovalUpdate,
    request => {
      decision = request;
      return { requestId: request.requestId, firstTime: true };
    },
    {
      validator: request => {
        const pending = state.pendingApproval;
        if (!pending || pending.requestId !== request.requestId) {
          throw new Error(
            `no request ${request.requestId} is waiting for approval`,
          );
        }
        const may = [request.decidedBy, ...request.decidedByOwnershipRefs].some(
          r => pending.approvers.includes(r),
        );
        if (!may) {
          throw new Error(
            `${
              request.decidedBy
            } may not decide this request; approvers are ${pending.approvers.join(
              ', ',
            )}`,
          );
        }
        if (request.decidedBy === pending.requestedBy) {
          throw new Error(
            'a request cannot be approved by the person who made it',
          );
        }
      },
    },
  );

  setHandler(
    retryUpdate,
    request => {
      const failed = state.failedOperation!;
      state.failedOperation = undefined;
      step(
        'request',
        'info',
        `retry of the failed ${failed.op} requested by ${request.requestedBy}`,
        request.requestId,
      );
      return enqueue({
        ...failed,
        request: { ...failed.request, requestId: request.requestId },
      } as Operation);
    },
    {
      validator: _request => {
        if (!state.failedOperation || state.phase !== 'Failed') {
          throw new Error(
            `nothing to retry: the last operation did not fail (phase ${state.phase})`,
          );
        }
      },
    },
  );

  setHandler(observedSignal, event => observe(event));

  // ---- queries --------------------------------------------------------------------------------

  const status = (): ResourceStatus => ({
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
  });
  setHandler(statusQuery, status);
  setHandler(phaseQuery, () => state.phase);
  setHandler(desiredSpecQuery, () => state.desiredSpec);
  setHandler(lastAppliedSpecQuery, () => state.lastAppliedSpec);
  setHandler(pendingApprovalQuery, () => state.pendingApproval);
  setHandler(historyQuery, () => state.steps);

  /** Resolves true on the next fresh observation (or when `orWhen` holds), false on timeout. */
  function nextObservation(
    timeoutMs: number,
    orWhen: () => boolean = () => false,
  ) {
    const seen = observations;
    return condition(() => observations !== seen || orWhen(), timeoutMs);
  }

  // ---- observations from watchers ---------------------------------------------------------------

  function observe(event: ObservedObjectEvent) {
    if (!isFreshObservation(state, event.uid, event.resourceVersion)) return;
    if (event.role === 'resource') {
      // An object of the same name from before our apply is not ours.
      if (state.applied && event.uid !== state.applied.uid) return;
      // A deleted object has no conditions; whatever replaces it must report its own.
      state.conditions = event.type === 'DELETED' ? [] : event.conditions;
      state.observedVersion = event.resourceVersion;
    } else if (event.role === 'managed') {
      recordComposedEvent(state, event);
    } else {
      state.compositeSpecManager = event.lastSpecManager;
    }
    detectDrift(event);
    observations++;
  }

  function detectDrift(event: ObservedObjectEvent) {
    // Only a resource at rest can drift; during an operation, changes are ours or Crossplane's.
    if (state.phase !== 'Ready' || state.policy === undefined) return;
    const report = (what: DriftReport['what'], by?: string) => {
      // Several events can show the same change (the change, then status updates after it).
      const known = state.drift.some(
        d =>
          d.role === event.role &&
          d.kind === event.kind &&
          d.name === event.name &&
          d.what === what,
      );
      if (known) return;
      state.drift.push({
        role: event.role,
        kind: event.kind,
        name: event.name,
        what,
        by,
        observedAt: event.observedAt,
      });
    };
    if (event.type === 'DELETED') {
      report('deleted');
    } else if (changedByOutsider(event)) {
      report('changed', event.lastSpecManager);
    }
  }

  /** A spec change made by someone other than this workflow, Crossplane or a provider. */
  function changedByOutsider(event: ObservedObjectEvent): boolean {
    if (!isOutsider(event.lastSpecManager)) return false;
    if (event.role === 'resource') {
      return (event.generation ?? 0) > (state.applied?.generation ?? Infinity);
    }
    if (event.role === 'composite')
      return patched(PATCHES.compositeChangesAreDrift);
    return event.role === 'managed';
  }

  // ---- activities, with the identity of the request --------------------------------------------

  const identity = (requester?: Requester): Impersonation | undefined =>
    requester?.kubernetes;

  const objectLabels = () => ({
    ...state.labels,
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
  });
  const objectAnnotations = (
    requester: Requester,
    requestId: string,
    extra: Record<string, string> = {},
  ) => {
    const annotations: Record<string, string> = {
      [WORKFLOW_ID_ANNOTATION]: workflowId,
      [REQUESTED_BY_ANNOTATION]: requester.userEntityRef,
      [REQUEST_ID_ANNOTATION]: requestId,
      ...extra,
    };
    if (state.owner) annotations[OWNER_ANNOTATION] = state.owner;
    return annotations;
  };

  async function apply(
    spec: JsonObject,
    requester: Requester,
    requestId: string,
    extra?: { force?: boolean; annotations?: Record<string, string> },
  ) {
    // What composed resources report failing now is about the spec before this apply. Taken
    // before the call: watch news that arrives while it runs reaches the workflow ahead of its
    // result (signals come first in an activation), and may already be about the new spec.
    const failuresAtApply = patched(PATCHES.failuresJudgedBySpec)
      ? failuresBefore(state.composed)
      : undefined;
    const applied = await cluster.applyResource({
      ref,
      spec,
      labels: objectLabels(),
      annotations: objectAnnotations(requester, requestId, extra?.annotations),
      as: identity(requester),
      force: extra?.force,
    });
    state.applied = { uid: applied.uid, generation: applied.generation };
    state.lastAppliedSpec = spec;
    state.failuresAtApply = failuresAtApply ?? failuresBefore(state.composed);
    return applied;
  }

  async function refresh(requester?: Requester) {
    const observed = await cluster.readResourceState({
      ref,
      as: identity(requester ?? state.requester),
      known: [...(state.composite ? [state.composite] : []), ...state.composed],
    });
    if (observed.exists) {
      state.conditions = observed.conditions;
      state.composed = observed.composed;
      state.composite = observed.composite ?? state.composite;
    }
    return observed;
  }

  /** Waits, event-driven, for Crossplane to report Ready for the applied generation. */
  async function waitForReady(
    requester: Requester,
    timeoutSeconds: number,
    restored: () => boolean = () => true,
  ): Promise<WaitOutcome> {
    const waitingSince = Date.now();
    const deadline = waitingSince + timeoutSeconds * 1000;
    const generation = state.applied?.generation;
    const onlyCurrentReports = patched(PATCHES.failuresJudgedBySpec);
    let lastRead = waitingSince;
    const readyForApplied = () => {
      if (isReadyFor(state.conditions, generation)) return true;
      const ready = readyWithoutGeneration(state.conditions);
      return (
        ready !== undefined &&
        generation !== undefined &&
        patched(PATCHES.readyWithoutGenerations) &&
        isCurrentWithoutGeneration(ready, generation, {
          since: waitingSince,
          now: Date.now(),
          settleMs: fallbackPollMs,
        })
      );
    };
    // Ready for our generation is not enough: a provider may still refuse the new spec of a
    // composed resource whose Ready condition dates from the previous one.
    const done = () =>
      readyForApplied() && composedSettled(state.composed) && restored();
    for (;;) {
      if (deprovisionQueued()) return { kind: 'interrupted' };
      // Watch events can arrive out of order: confirm with a read before declaring Ready.
      if (done()) {
        const observed = await refresh(requester);
        if (done()) return { kind: 'ready', observed };
      }
      const failure = failureOf(
        state.conditions,
        withoutStaleFailures(
          state.composed,
          state.failuresAtApply,
          onlyCurrentReports,
        ),
      );
      if (failure) return { kind: 'failed', message: failure };
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        const observed = await refresh(requester);
        if (done()) return { kind: 'ready', observed };
        return {
          kind: 'failed',
          message: `not Ready within ${timeoutSeconds} s: ${describeConditions(
            state.conditions,
          )}`,
        };
      }
      // Read the resource at least every fallbackPollMs, even while events keep coming: events
      // about the claim do not prove the watcher saw what happened to its managed resources.
      const sinceRead = Date.now() - lastRead;
      await nextObservation(
        Math.max(0, Math.min(fallbackPollMs - sinceRead, remaining)),
        deprovisionQueued,
      );
      if (Date.now() - lastRead >= fallbackPollMs) {
        await refresh(requester);
        lastRead = Date.now();
      }
    }
  }

  async function recordOutputs(requester: Requester, confirmed: ObservedState) {
    const observed = patched(PATCHES.fewerRoundTrips)
      ? confirmed
      : await refresh(requester);
    state.outputs = {
      connectionSecret: observed.connectionSecret,
      composite: observed.composite && {
        apiVersion: observed.composite.apiVersion,
        kind: observed.composite.kind,
        name: observed.composite.name,
      },
      composed: observed.composed,
    };
    const secret = observed.connectionSecret
      ? `; connection secret ${observed.connectionSecret.name} with keys ${
          observed.connectionSecret.keys.join(', ') || '(none yet)'
        }`
      : '';
    step(
      'record-outputs',
      'succeeded',
      `${observed.composed.length} composed resources${secret}`,
    );
  }

  async function awaitApproval(
    operation: 'provision' | 'update' | 'deprovision',
    requester: Requester,
    requestId: string,
  ): Promise<ApprovalOutcome> {
    const approval = state.policy?.approval;
    if (!approval || !approval.operations.includes(operation))
      return 'approved';
    const previousPhase = state.phase;
    decision = undefined;
    state.pendingApproval = {
      requestId,
      operation,
      requestedBy: requester.userEntityRef,
      approvers: approval.approvers,
      expiresAt: new Date(
        Date.now() + approval.timeoutSeconds * 1000,
      ).toISOString(),
    };
    state.phase = 'AwaitingApproval';
    step(
      'await-approval',
      'started',
      `${operation} waits for approval by ${approval.approvers.join(
        ', ',
      )} until ${state.pendingApproval.expiresAt}`,
    );
    await notify(
      approval.approvers,
      `Approval needed: ${operation} ${ref.kind} ${ref.namespace}/${ref.name}`,
      `${requester.userEntityRef} asks to ${operation} it.`,
      'normal',
    );
    const decided = await condition(
      () =>
        decision !== undefined ||
        (operation !== 'deprovision' && deprovisionQueued()),
      approval.timeoutSeconds * 1000,
    );
    state.pendingApproval = undefined;
    state.phase = previousPhase;
    if (decided && decision) {
      const { approved, decidedBy, comment } = decision;
      decision = undefined;
      const why = comment ? `: ${comment}` : '';
      step(
        'await-approval',
        approved ? 'succeeded' : 'failed',
        `${approved ? 'approved' : 'rejected'} by ${decidedBy}${why}`,
      );
      return approved ? 'approved' : 'rejected';
    }
    if (decided) {
      step(
        'await-approval',
        'skipped',
        'deprovision requested while waiting for approval',
      );
      return 'interrupted';
    }
    step(
      'await-approval',
      'failed',
      `no decision within ${approval.timeoutSeconds} s; the request expired`,
    );
    await notify(
      [requester.userEntityRef],
      `Request expired: ${operation} ${ref.kind} ${ref.namespace}/${ref.name}`,
      'No approver decided in time.',
      'normal',
    );
    return 'expired';
  }

  async function notify(
    recipients: string[],
    title: string,
    description: string,
    severity: 'normal' | 'high',
  ) {
    try {
      await notifier.notify({
        recipients,
        title,
        description,
        severity,
        topic: workflowId,
      });
    } catch (error) {
      log.warn('notification failed', {
        workflowId,
        error: failureMessage(error),
      });
    }
  }

  /** Validation and a server-side dry-run, as the requester: nothing written when they fail. */
  async function validate(
    spec: JsonObject,
    requester: Requester,
    requestId: string,
    force?: boolean,
  ) {
    state.phase = 'Validating';
    step(
      'validate',
      'started',
      'checking the spec against the XRD schema and by a server-side dry-run',
    );
    const desired = {
      ref,
      spec,
      labels: objectLabels(),
      annotations: objectAnnotations(requester, requestId),
      as: identity(requester),
      ...(force ? { force } : {}),
    };
    if (patched(PATCHES.fewerRoundTrips)) {
      await validation.validateAndDryRun(desired);
    } else {
      await validation.validateSpec({ ref, spec });
      await validation.dryRunApply(desired);
    }
    step('validate', 'succeeded', 'the cluster accepts the spec');
  }

  /** Applies a spec and waits for Ready; the phase afterwards says how it went. */
  async function applyAndWait(
    spec: JsonObject,
    requester: Requester,
    requestId: string,
    stepName: string,
    extra?: {
      force?: boolean;
      annotations?: Record<string, string>;
      /** Besides Ready: what else must hold before the wait is over. */
      restored?: () => boolean;
    },
  ): Promise<WaitOutcome> {
    state.phase = 'Applying';
    const applied = await apply(spec, requester, requestId, extra);
    step(
      stepName,
      'succeeded',
      `applied generation ${applied.generation} as ${
        identity(requester)?.user ?? 'the backend'
      }`,
    );
    state.phase = 'WaitingForReady';
    step(
      'wait-ready',
      'started',
      `waiting for Ready on generation ${applied.generation}`,
    );
    const outcome = await waitForReady(
      requester,
      state.policy?.readyTimeoutSeconds ?? 600,
      extra?.restored,
    );
    if (outcome.kind === 'ready')
      step(
        'wait-ready',
        'succeeded',
        `Ready: ${describeConditions(state.conditions)}`,
      );
    if (outcome.kind === 'failed')
      step('wait-ready', 'failed', outcome.message);
    if (outcome.kind === 'interrupted')
      step('wait-ready', 'skipped', 'deprovision requested while waiting');
    return outcome;
  }

  // ---- operations --------------------------------------------------------------------------------

  /** Applies a request's spec; once Ready, it is the last good spec and its outputs are recorded. */
  async function applyRequestedSpec(
    request: {
      spec: JsonObject;
      requestedBy: Requester;
      requestId: string;
    },
    force?: boolean,
  ): Promise<WaitOutcome> {
    const outcome = await applyAndWait(
      request.spec,
      request.requestedBy,
      request.requestId,
      'apply',
      force ? { force } : undefined,
    );
    if (outcome.kind === 'ready') {
      state.lastGoodSpec = request.spec;
      // Ready is reported only with the outputs that go with it.
      await recordOutputs(request.requestedBy, outcome.observed);
      state.phase = 'Ready';
    }
    return outcome;
  }

  async function provision(operation: Extract<Operation, { op: 'provision' }>) {
    const { request } = operation;
    state.owner = request.owner;
    state.component = request.component;
    state.labels = request.labels ?? {};
    state.policy = request.policy;
    state.requester = request.requestedBy;
    state.desiredSpec = request.spec;
    state.lastError = undefined;

    await validate(request.spec, request.requestedBy, request.requestId);
    if (deprovisionQueued() && patched(PATCHES.deprovisionBeforeApply)) {
      step(
        'provision',
        'skipped',
        'deprovision requested; nothing was applied',
      );
      return;
    }
    const approval = await awaitApproval(
      'provision',
      request.requestedBy,
      request.requestId,
    );
    if (approval === 'rejected' || approval === 'expired') {
      state.phase = approval === 'rejected' ? 'Rejected' : 'Expired';
      return;
    }
    if (approval === 'interrupted') return;

    const outcome = await applyRequestedSpec(request);
    if (outcome.kind === 'ready') {
      await notify(
        [request.requestedBy.userEntityRef],
        `Ready: ${ref.kind} ${ref.namespace}/${ref.name}`,
        'Crossplane reports the resource Ready.',
        'normal',
      );
    } else if (outcome.kind === 'failed') {
      fail(operation, outcome.message);
      await notify(
        [request.requestedBy.userEntityRef],
        `Failed: ${ref.kind} ${ref.namespace}/${ref.name}`,
        outcome.message,
        'high',
      );
    }
  }

  async function update(operation: Extract<Operation, { op: 'update' }>) {
    const { request } = operation;
    state.requester = request.requestedBy;
    state.desiredSpec = request.spec;
    state.lastError = undefined;

    const restingPhase = state.phase;
    const force = patched(PATCHES.updatesTakeFieldsBack);
    try {
      await validate(
        request.spec,
        request.requestedBy,
        request.requestId,
        force,
      );
    } catch (error) {
      // A refused update leaves the resource as it was.
      state.phase = restingPhase;
      state.desiredSpec = state.lastGoodSpec ?? state.lastAppliedSpec;
      state.lastError = `update refused: ${failureMessage(error)}`;
      step('validate', 'failed', state.lastError);
      return;
    }
    state.phase = restingPhase;
    const approval = await awaitApproval(
      'update',
      request.requestedBy,
      request.requestId,
    );
    if (approval !== 'approved') {
      state.desiredSpec = state.lastGoodSpec ?? state.lastAppliedSpec;
      if (approval === 'interrupted') return;
      state.lastError = `update ${
        approval === 'rejected' ? 'rejected' : 'expired'
      }; the resource keeps its previous spec`;
      return;
    }

    const outcome = await applyRequestedSpec(request, force);
    if (outcome.kind === 'ready') {
      return;
    }
    if (outcome.kind === 'interrupted') return;

    // Saga: the update failed, so the last good spec is applied again.
    const good = state.lastGoodSpec;
    if (!good) {
      fail(operation, outcome.message);
      return;
    }
    state.phase = 'RollingBack';
    step(
      'rollback',
      'started',
      `update failed (${outcome.message}); rolling back to the last good spec`,
    );
    const rollback = await applyAndWait(
      good,
      request.requestedBy,
      request.requestId,
      'rollback-apply',
      { force: true },
    );
    state.desiredSpec = good;
    if (rollback.kind === 'ready') {
      state.phase = 'Ready';
      state.lastError = `update failed and was rolled back: ${outcome.message}`;
      step('rollback', 'succeeded', 'the last good spec is Ready again');
    } else if (rollback.kind === 'failed') {
      fail(
        operation,
        `update failed (${outcome.message}) and so did the rollback (${rollback.message})`,
      );
      step('rollback', 'failed', rollback.message);
    }
    await notify(
      [request.requestedBy.userEntityRef],
      `Update failed: ${ref.kind} ${ref.namespace}/${ref.name}`,
      state.lastError ?? outcome.message,
      'high',
    );
  }

  async function deprovision(
    operation: Extract<Operation, { op: 'deprovision' }>,
  ) {
    const { request } = operation;
    const approval = await awaitApproval(
      'deprovision',
      request.requestedBy,
      request.requestId,
    );
    if (approval !== 'approved') {
      state.lastError = `deprovision ${approval}; the resource stays`;
      return;
    }
    state.phase = 'Deprovisioning';
    state.lastError = undefined;
    step(
      'delete',
      'started',
      `deleting as ${identity(request.requestedBy)?.user ?? 'the backend'}`,
    );
    const result = await cluster.deleteResource({
      ref,
      as: identity(request.requestedBy),
    });
    step(
      'delete',
      'succeeded',
      result === 'notFound'
        ? 'the resource was already gone'
        : 'delete accepted',
    );

    step(
      'wait-deleted',
      'started',
      'waiting for the resource, its composite and managed resources to be gone',
    );
    const timeoutSeconds = state.policy?.readyTimeoutSeconds ?? 600;
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
      const observed = await refresh(request.requestedBy);
      if (!observed.exists && observed.remaining.length === 0) break;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        const left = observed.remaining
          .map(o => `${o.kind} ${o.name}`)
          .join(', ');
        fail(
          operation,
          `not deleted within ${timeoutSeconds} s; still there: ${
            left || ref.name
          }`,
        );
        step('wait-deleted', 'failed', state.lastError!);
        return;
      }
      await nextObservation(Math.min(fallbackPollMs, remaining));
    }
    state.phase = 'Deleted';
    state.applied = undefined;
    state.composed = [];
    state.conditions = [];
    step(
      'wait-deleted',
      'succeeded',
      'the resource and everything composed from it are gone',
    );
    await notify(
      [request.requestedBy.userEntityRef],
      `Deleted: ${ref.kind} ${ref.namespace}/${ref.name}`,
      'The resource and everything composed from it are gone.',
      'normal',
    );
  }

  async function handleDrift() {
    const reports = state.drift.splice(0);
    const what = reports
      .map(r => `${r.kind} ${r.name} ${r.what}${r.by ? ` by ${r.by}` : ''}`)
      .join('; ');
    const policy = state.policy?.drift ?? 'notify';
    step('drift-detected', 'info', `${what}; policy: ${policy}`, undefined);
    if (policy === 'ignore') {
      step('drift', 'skipped', 'ignored, as the policy says');
      return;
    }
    if (policy === 'notify' || !state.lastGoodSpec || !state.requester) {
      await notify(
        state.owner ? [state.owner] : [],
        `Drift: ${ref.kind} ${ref.namespace}/${ref.name}`,
        what,
        'high',
      );
      step('drift', 'info', 'owner notified; nothing changed');
      return;
    }
    // Re-apply the desired state, taking back the fields someone changed; the annotation makes
    // Crossplane reconcile now and re-create what was deleted.
    state.currentRequestId = undefined;
    const deletedManaged = reports.filter(
      r => r.role === 'managed' && r.what === 'deleted',
    );
    const compositeChanged = reports.some(
      r => r.role === 'composite' && r.what === 'changed',
    );
    const outcome = await applyAndWait(
      state.lastGoodSpec,
      state.requester,
      `drift-repair-${state.nextSeq}`,
      'drift-repair',
      {
        force: true,
        annotations: {
          'crossplane-temporal.io/repaired-at': now().toISOString(),
        },
        // Ready may not have flipped yet when a composed resource went missing; wait until
        // every deleted one is back and ready, and a changed composite's spec is Crossplane's.
        restored: () =>
          deletedManaged.every(r =>
            state.composed.some(
              c => c.kind === r.kind && c.name === r.name && c.ready === true,
            ),
          ) && !(compositeChanged && isOutsider(state.compositeSpecManager)),
      },
    );
    if (outcome.kind === 'ready') {
      state.phase = 'Ready';
      step(
        'drift-repaired',
        'succeeded',
        `desired state restored after: ${what}`,
      );
    } else if (outcome.kind === 'failed') {
      state.phase = 'Failed';
      state.lastError = `drift repair failed: ${outcome.message}`;
      step('drift-repaired', 'failed', outcome.message);
    }
  }

  function fail(operation: Operation, message: string) {
    state.phase = 'Failed';
    state.lastError = message;
    state.failedOperation = operation;
  }

  async function run(operation: Operation) {
    state.currentRequestId = operation.request.requestId;
    provisionRunning =
      operation.op === 'provision' && patched(PATCHES.oneProvisionAtATime);
    try {
      if (operation.op === 'provision') await provision(operation);
      else if (operation.op === 'update') await update(operation);
      else await deprovision(operation);
    } catch (error) {
      const message = failureMessage(error);
      step(operation.op, 'failed', message);
      fail(operation, message);
      if (!state.applied) state.desiredSpec = undefined;
    } finally {
      state.currentRequestId = undefined;
      provisionRunning = false;
    }
  }

  // ---- the loop -------------------------------------------------------------------------------------

  const finished = () =>
    state.queue.length === 0 &&
    (state.phase === 'Deleted' ||
      (state.applied === undefined &&
        ['Failed', 'Rejected', 'Expired'].includes(state.phase)));
  const shouldContinueAsNew = () =>
    workflowInfo().continueAsNewSuggested ||
    workflowInfo().historyLength >= historyLimit;

  for (;;) {
    await condition(
      () =>
        state.queue.length > 0 ||
        state.drift.length > 0 ||
        shouldContinueAsNew(),
    );
    if (state.queue.length > 0) {
      await run(state.queue.shift()!);
      if (finished()) break;
    } else if (state.drift.length > 0) {
      if (state.phase === 'Ready') await handleDrift();
      else state.drift = [];
    }
    if (state.queue.length === 0 && shouldContinueAsNew()) {
      // Handlers only touch the state synchronously; wait for any update mid-flight to finish.
      await condition(allHandlersFinished);
      step(
        'continue-as-new',
        'info',
        `history has ${workflowInfo().historyLength} events; continuing as new`,
      );
      await continueAsNew<typeof resourceWorkflow>({
        ref,
        state,
        options: input.options,
      });
    }
  }
  await condition(allHandlersFinished);
  log.info('resource workflow finished', { workflowId, phase: state.phase });
  return status();
}

/** The message of what failed, without the wrapping layers of activity failures. */
function failureMessage(error: unknown): string {
  let current: unknown = error;
  while (current instanceof ActivityFailure && current.cause)
    current = current.cause;
  if (current instanceof ApplicationFailure) return current.message;
  return current instanceof Error ? current.message : String(current);
}
