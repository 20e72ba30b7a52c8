/*
 * The resource workflow: one per claim or namespaced composite, for the resource's whole life.
 * It serialises everything that happens to the resource (provision, update, deprovision,
 * approvals, drift) and keeps the history of it. Crossplane converges the state; this owns the
 * sequence around it.
 *
 * This file is the wiring: messages to handlers, the loop that runs what they queue, and
 * continue-as-new. Requests are checked in requests.ts, the resource and its cluster calls are
 * in ResourceEntity.ts, and each operation is in operations/.
 */
import {
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
import type { ResourceStatus } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { ResourceActivities } from '../activities/types';
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
import { handleDrift } from './operations/repairDrift';
import { runOperation } from './operations/runOperation';
import {
  clusterCallOptions,
  DEFAULT_HISTORY_LIMIT,
  fallbackPollMs,
  notifyOptions,
  type ResourceWorkflowInput,
} from './options';
import { PATCHES } from './patches';
import {
  checkDecision,
  checkDeprovision,
  checkProvision,
  checkRetry,
  checkUpdateSpec,
} from './requests';
import { ResourceEntity } from './ResourceEntity';
import { temporalRuntime } from './runtime';
import { initialState, isFinished } from './state';

export type { ResourceWorkflowInput, ResourceWorkflowOptions } from './options';

const notifier =
  proxyActivities<Pick<ResourceActivities, 'notify'>>(notifyOptions);

export async function resourceWorkflow(
  input: ResourceWorkflowInput,
): Promise<ResourceStatus> {
  const { ref, options } = input;
  const { workflowId } = workflowInfo();
  const historyLimit = options?.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  const clusterCalls = clusterCallOptions(options);
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
  const entity = new ResourceEntity({
    ref,
    workflowId,
    state: input.state ?? initialState(),
    activities: { validation, cluster, notifier },
    runtime: temporalRuntime,
    fallbackPollMs: fallbackPollMs(options),
  });
  const { state } = entity;

  // ---- requests: checked (requests.ts), then queued for the loop ----------------------------

  setHandler(provisionSignal, request => {
    try {
      checkProvision(entity, request);
      entity.accept({ op: 'provision', request });
    } catch (error) {
      // A signal cannot be refused; the refusal goes into the history instead.
      entity.step(
        'request',
        'failed',
        `provision refused: ${(error as Error).message}`,
        request.requestId,
      );
    }
  });
  setHandler(
    provisionUpdate,
    request => entity.accept({ op: 'provision', request }),
    { validator: request => checkProvision(entity, request) },
  );
  setHandler(
    updateSpecUpdate,
    request => entity.accept({ op: 'update', request }),
    { validator: request => checkUpdateSpec(entity, request) },
  );
  setHandler(
    deprovisionUpdate,
    request => entity.accept({ op: 'deprovision', request }),
    { validator: request => checkDeprovision(entity, request) },
  );
  setHandler(decideApprovalUpdate, request => entity.decide(request), {
    validator: request => checkDecision(entity, request),
  });
  setHandler(retryUpdate, request => entity.retry(request), {
    validator: _request => checkRetry(entity),
  });
  setHandler(observedSignal, event => entity.observe(event));

  // ---- queries --------------------------------------------------------------------------------

  setHandler(statusQuery, () => entity.status());
  setHandler(phaseQuery, () => state.phase);
  setHandler(desiredSpecQuery, () => state.desiredSpec);
  setHandler(lastAppliedSpecQuery, () => state.lastAppliedSpec);
  setHandler(pendingApprovalQuery, () => state.pendingApproval);
  setHandler(historyQuery, () => state.steps);

  // ---- the loop: one operation at a time, drift when at rest ---------------------------------

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
      await runOperation(entity, state.queue.shift()!);
      if (isFinished(state)) break;
    } else if (state.drift.length > 0) {
      if (state.phase === 'Ready') await handleDrift(entity);
      else state.drift = [];
    }
    if (state.queue.length === 0 && shouldContinueAsNew()) {
      // Handlers only touch the state synchronously; wait for any update mid-flight to finish.
      await condition(allHandlersFinished);
      entity.step(
        'continue-as-new',
        'info',
        `history has ${workflowInfo().historyLength} events; continuing as new`,
      );
      await continueAsNew<typeof resourceWorkflow>({ ref, state, options });
    }
  }
  await condition(allHandlersFinished);
  log.info('resource workflow finished', { workflowId, phase: state.phase });
  return entity.status();
}
