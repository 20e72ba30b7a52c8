/*
 * How the workflow judges Crossplane's conditions: pure functions, shared by the workflow and the
 * activities, so both read a resource the same way.
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
  observedGeneration?: number,
): boolean {
  const ready = findCondition(conditions, 'Ready');
  if (ready?.status !== 'True') return false;
  if (generation === undefined) return true;
  const seen = ready.observedGeneration ?? observedGeneration;
  return seen !== undefined && seen >= generation;
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
