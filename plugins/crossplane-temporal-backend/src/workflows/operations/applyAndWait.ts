/*
 * Applying a spec and waiting, event-driven, for Crossplane to report it Ready: the step every
 * operation that writes the resource goes through (provision, update, rollback, drift repair).
 */
import {
  DEFAULT_READY_TIMEOUT_SECONDS,
  type JsonObject,
  type Requester,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { ObservedState } from '../../activities/types';
import {
  composedSettled,
  withoutStaleFailures,
} from '../../crossplane/composed';
import {
  describeConditions,
  failureOf,
  isCurrentWithoutGeneration,
  isReadyFor,
  readyWithoutGeneration,
} from '../../crossplane/readiness';
import { PATCHES } from '../patches';
import type { ApplyExtras, ResourceEntity } from '../ResourceEntity';

export type WaitOutcome =
  /** `observed`: the read that confirmed Ready. */
  | { kind: 'ready'; observed: ObservedState }
  | { kind: 'failed'; message: string }
  | { kind: 'interrupted' };

/** Besides Ready: what else must hold before a wait is over. */
export type Restored = () => boolean;

/** Applies a spec and waits for Ready; the phase afterwards says how it went. */
export async function applyAndWait(
  entity: ResourceEntity,
  spec: JsonObject,
  requester: Requester,
  requestId: string,
  stepName: string,
  extra?: ApplyExtras & { restored?: Restored },
): Promise<WaitOutcome> {
  const { state } = entity;
  state.phase = 'Applying';
  const applied = await entity.apply(spec, requester, requestId, extra);
  entity.step(
    stepName,
    'succeeded',
    `applied generation ${applied.generation} as ${entity.actor(requester)}`,
  );
  state.phase = 'WaitingForReady';
  entity.step(
    'wait-ready',
    'started',
    `waiting for Ready on generation ${applied.generation}`,
  );
  const outcome = await waitForReady(
    entity,
    requester,
    state.policy?.readyTimeoutSeconds ?? DEFAULT_READY_TIMEOUT_SECONDS,
    extra?.restored,
  );
  if (outcome.kind === 'ready')
    entity.step(
      'wait-ready',
      'succeeded',
      `Ready: ${describeConditions(state.conditions)}`,
    );
  if (outcome.kind === 'failed')
    entity.step('wait-ready', 'failed', outcome.message);
  if (outcome.kind === 'interrupted')
    entity.step('wait-ready', 'skipped', 'deprovision requested while waiting');
  return outcome;
}

/** Applies a request's spec; once Ready, it is the last good spec and its outputs are recorded. */
export async function applyRequestedSpec(
  entity: ResourceEntity,
  request: { spec: JsonObject; requestedBy: Requester; requestId: string },
  force?: boolean,
): Promise<WaitOutcome> {
  const outcome = await applyAndWait(
    entity,
    request.spec,
    request.requestedBy,
    request.requestId,
    'apply',
    force ? { force } : undefined,
  );
  if (outcome.kind === 'ready') {
    entity.state.lastGoodSpec = request.spec;
    // Ready is reported only with the outputs that go with it.
    await recordOutputs(entity, request.requestedBy, outcome.observed);
    entity.state.phase = 'Ready';
  }
  return outcome;
}

/** Waits, event-driven, for Crossplane to report Ready for the applied generation. */
export async function waitForReady(
  entity: ResourceEntity,
  requester: Requester,
  timeoutSeconds: number,
  restored: Restored = () => true,
): Promise<WaitOutcome> {
  const { state, runtime, fallbackPollMs } = entity;
  const waitingSince = runtime.now();
  const deadline = waitingSince + timeoutSeconds * 1000;
  const generation = state.applied?.generation;
  const onlyCurrentReports = runtime.patched(PATCHES.failuresJudgedBySpec);
  let lastRead = waitingSince;
  const readyForApplied = () => {
    if (isReadyFor(state.conditions, generation)) return true;
    const ready = readyWithoutGeneration(state.conditions);
    return (
      ready !== undefined &&
      generation !== undefined &&
      runtime.patched(PATCHES.readyWithoutGenerations) &&
      isCurrentWithoutGeneration(ready, generation, {
        since: waitingSince,
        now: runtime.now(),
        settleMs: fallbackPollMs,
      })
    );
  };
  // Ready for our generation is not enough: a provider may still refuse the new spec of a
  // composed resource whose Ready condition dates from the previous one.
  const done = () =>
    readyForApplied() && composedSettled(state.composed) && restored();
  const deprovisionQueued = () => entity.deprovisionQueued();
  for (;;) {
    if (deprovisionQueued()) return { kind: 'interrupted' };
    // Watch events can arrive out of order: confirm with a read before declaring Ready.
    if (done()) {
      const observed = await entity.refresh(requester);
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
    const remaining = deadline - runtime.now();
    if (remaining <= 0) {
      const observed = await entity.refresh(requester);
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
    const sinceRead = runtime.now() - lastRead;
    await entity.nextObservation(
      Math.max(0, Math.min(fallbackPollMs - sinceRead, remaining)),
      deprovisionQueued,
    );
    if (runtime.now() - lastRead >= fallbackPollMs) {
      await entity.refresh(requester);
      lastRead = runtime.now();
    }
  }
}

/** Records what the resource gives its users: the connection secret's name and keys, the tree. */
async function recordOutputs(
  entity: ResourceEntity,
  requester: Requester,
  confirmed: ObservedState,
): Promise<void> {
  const observed = entity.runtime.patched(PATCHES.fewerRoundTrips)
    ? confirmed
    : await entity.refresh(requester);
  entity.state.outputs = {
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
  entity.step(
    'record-outputs',
    'succeeded',
    `${observed.composed.length} composed resources${secret}`,
  );
}
