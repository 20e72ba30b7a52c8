/*
 * Status conditions as Crossplane sets them: one per type, lastTransitionTime changing only when
 * the status does, and the generation they describe.
 */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message?: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

export function setCondition(object: any, condition: Condition): void {
  object.status ??= {};
  const conditions: Condition[] = object.status.conditions ?? [];
  const existing = conditions.find(c => c.type === condition.type);
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const next: Condition = {
    ...condition,
    lastTransitionTime:
      existing && existing.status === condition.status
        ? existing.lastTransitionTime
        : now,
  };
  if (!next.message) delete next.message;
  object.status.conditions = existing
    ? conditions.map(c => (c.type === condition.type ? next : c))
    : [...conditions, next];
}

export function conditionOf(object: any, type: string): Condition | undefined {
  return (object?.status?.conditions ?? []).find(
    (c: Condition) => c.type === type,
  );
}
