/*
 * The resources a claim or composite is composed of: their summaries, and whether their
 * providers have taken the latest spec. Pure and workflow-safe, shared by the workflow, the
 * activities and the watchers' events.
 */
import type {
  ComposedResource,
  Condition,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { findCondition } from './readiness';

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
