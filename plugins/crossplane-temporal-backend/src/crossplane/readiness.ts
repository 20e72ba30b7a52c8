/*
 * How Crossplane's conditions are judged: Ready for which generation, and what failed. Pure and
 * workflow-safe, shared by the workflow and the activities, so both read a resource the same way.
 */
import type {
  ComposedResource,
  Condition,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';

export function findCondition(
  conditions: Condition[],
  type: string,
): Condition | undefined {
  return conditions.find(c => c.type === type);
}

/**
 * Ready for this generation: `Ready=True`, and Crossplane has looked at the generation we applied.
 * A Ready condition left over from the previous spec does not count.
 */
export function isReadyFor(
  conditions: Condition[],
  generation: number | undefined,
): boolean {
  const ready = findCondition(conditions, 'Ready');
  if (ready?.status !== 'True') return false;
  if (generation === undefined) return true;
  const seen = ready.observedGeneration;
  return seen !== undefined && seen >= generation;
}

/** `Ready=True` that does not say which generation it is about (claims before Crossplane 1.19). */
export function readyWithoutGeneration(
  conditions: Condition[],
): Condition | undefined {
  const ready = findCondition(conditions, 'Ready');
  return ready?.status === 'True' && ready.observedGeneration === undefined
    ? ready
    : undefined;
}

/**
 * Whether such a Ready is about the generation applied when the wait began: nothing older than a
 * first generation exists; for a later one, a Ready that changed since (to the second, as
 * Kubernetes keeps time) or has held for `settleMs` is taken as current.
 */
export function isCurrentWithoutGeneration(
  ready: Condition,
  generation: number,
  wait: { since: number; now: number; settleMs: number },
): boolean {
  const changedAt = Date.parse(ready.lastTransitionTime ?? '');
  return (
    generation === 1 ||
    changedAt >= Math.floor(wait.since / 1000) * 1000 ||
    wait.now - wait.since >= wait.settleMs
  );
}

/**
 * Why provisioning cannot succeed as things stand, or undefined while it still may: a managed
 * resource the provider refused, or the resource itself failing to reconcile.
 */
export function failureOf(
  conditions: Condition[],
  composed: ComposedResource[],
): string | undefined {
  const broken = composed.find(mr => mr.synced === false && mr.message);
  if (broken) {
    return `${broken.kind} ${broken.name} failed: ${broken.message}`;
  }
  const synced = findCondition(conditions, 'Synced');
  if (synced?.status === 'False' && synced.reason === 'ReconcileError') {
    return `Crossplane could not reconcile the resource: ${
      synced.message ?? synced.reason
    }`;
  }
  return undefined;
}

/** A one-line account of the conditions, for messages. */
export function describeConditions(conditions: Condition[]): string {
  if (conditions.length === 0) return 'no conditions reported yet';
  return conditions
    .map(
      c =>
        `${c.type}=${c.status}${
          c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''
        }`,
    )
    .join(', ');
}
