/*
 * Applies a conditional decision on the catalog-entity resource type to an entity, with the
 * catalog's rules and their meaning (IS_ENTITY_OWNER, IS_ENTITY_KIND, HAS_ANNOTATION, HAS_LABEL,
 * HAS_METADATA, HAS_SPEC). A rule it does not know denies: a policy's condition is never
 * silently taken as met.
 */
import type { Entity } from '@backstage/catalog-model';
import type {
  PermissionCondition,
  PermissionCriteria,
} from '@backstage/plugin-permission-common';

type Params = Record<string, unknown> | undefined;

const lower = (s: string) => s.toLocaleLowerCase('en-US');

function matchesValue(actual: unknown, expected: unknown): boolean {
  if (actual === undefined) return false;
  return expected === undefined || actual === expected;
}

const RULES: Record<string, (entity: Entity, params: Params) => boolean> = {
  IS_ENTITY_OWNER: (entity, params) => {
    const claims = (params?.claims as string[] | undefined) ?? [];
    return (entity.relations ?? []).some(
      r => r.type === 'ownedBy' && claims.includes(r.targetRef),
    );
  },
  IS_ENTITY_KIND: (entity, params) =>
    ((params?.kinds as string[] | undefined) ?? [])
      .map(lower)
      .includes(lower(entity.kind)),
  HAS_ANNOTATION: (entity, params) =>
    matchesValue(
      entity.metadata.annotations?.[params?.annotation as string],
      params?.value,
    ),
  HAS_LABEL: (entity, params) =>
    matchesValue(
      entity.metadata.labels?.[params?.label as string],
      params?.value,
    ),
  HAS_METADATA: (entity, params) =>
    matchesValue(
      (entity.metadata as Record<string, unknown>)[params?.key as string],
      params?.value,
    ),
  HAS_SPEC: (entity, params) =>
    matchesValue(
      (entity.spec as Record<string, unknown> | undefined)?.[
        params?.key as string
      ],
      params?.value,
    ),
};

export class UnknownRuleError extends Error {
  constructor(readonly rule: string) {
    super(
      `permission rule ${rule} is not one of ${Object.keys(RULES).join(', ')}`,
    );
  }
}

export function satisfies(
  entity: Entity,
  criteria: PermissionCriteria<PermissionCondition>,
): boolean {
  if ('allOf' in criteria)
    return criteria.allOf.every(c => satisfies(entity, c));
  if ('anyOf' in criteria)
    return criteria.anyOf.some(c => satisfies(entity, c));
  if ('not' in criteria) return !satisfies(entity, criteria.not);
  const rule = RULES[criteria.rule];
  if (!rule) throw new UnknownRuleError(criteria.rule);
  return rule(entity, criteria.params as Params);
}
