/*
 * An object's status conditions as Crossplane reports them, from watch events and from reads
 * alike. Pure and workflow-safe.
 */
import type { Condition } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { KubeObject } from '../cluster/types';

/**
 * The conditions of an object's status. A condition that does not say which generation it is
 * about takes the status's `observedGeneration`, where the object reports one for all of them.
 */
export function conditionsOf(object: KubeObject | undefined): Condition[] {
  const conditions = object?.status?.conditions;
  if (!Array.isArray(conditions)) return [];
  const generation = (value: unknown) =>
    typeof value === 'number' ? value : undefined;
  const statusGeneration = generation(object?.status?.observedGeneration);
  return conditions.map((c: any) => ({
    type: String(c.type),
    status: c.status,
    reason: c.reason,
    message: c.message,
    observedGeneration: generation(c.observedGeneration) ?? statusGeneration,
    lastTransitionTime: c.lastTransitionTime,
  }));
}
