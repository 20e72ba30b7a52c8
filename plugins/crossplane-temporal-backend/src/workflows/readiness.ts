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

/** A composed resource's summary, from its conditions and generation. */
export function summariseComposed(object: {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  generation?: number;
  conditions: Condition[];
}): ComposedResource {
  const ready = findCondition(object.conditions, 'Ready');
  const synced = findCondition(object.conditions, 'Synced');
  const observed = synced?.observedGeneration;
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.name,
    namespace: object.namespace,
    ready: ready ? ready.status === 'True' : undefined,
    synced: synced ? synced.status === 'True' : undefined,
    generation: object.generation,
    current:
      observed === undefined ||
      object.generation === undefined ||
      observed >= object.generation,
    message: [synced, ready].find(c => c?.status === 'False' && c.message)
      ?.message,
  };
}

/** Every composed resource has been reconciled by its provider for its latest spec, and took it. */
export function composedSettled(composed: ComposedResource[]): boolean {
  return composed.every(c => c.current !== false && c.synced !== false);
}

const composedKey = (c: ComposedResource) => `${c.kind}/${c.name}`;

/**
 * The failures composed resources report at the moment of an apply, by generation: they are about
 * the spec before it, and count again only once the resource's spec has changed.
 */
export function failuresBefore(
  composed: ComposedResource[],
): Record<string, number> {
  return Object.fromEntries(
    composed
      .filter(c => c.synced === false && c.generation !== undefined)
      .map(c => [composedKey(c), c.generation!]),
  );
}

/**
 * Composed resources, without failures that say nothing about the spec just applied: those that
 * predate the apply, and (with `onlyCurrentReports`) those a provider reported for an earlier
 * generation than the resource now has, before it has looked at the new spec.
 */
export function withoutStaleFailures(
  composed: ComposedResource[],
  before: Record<string, number> | undefined,
  onlyCurrentReports = false,
): ComposedResource[] {
  return composed.filter(
    c =>
      (!before || before[composedKey(c)] !== c.generation) &&
      !(onlyCurrentReports && c.synced === false && c.current === false),
  );
}
