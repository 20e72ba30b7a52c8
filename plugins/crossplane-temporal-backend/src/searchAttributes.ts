/*
 * The custom search attributes of resource workflows: what the backend lists workflows by (their
 * resource, owner and phase) and how it learns which changed since it last looked
 * (`CrossplaneUpdatedAt`). Workflow-safe: the backend sets them when it starts a workflow, and the
 * workflow keeps them current as its phase changes.
 */
import {
  defineSearchAttributeKey,
  type SearchAttributePair,
} from '@temporalio/common';
import {
  apiGroupOf,
  type ResourceRef,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';

export const RESOURCE_SEARCH_ATTRIBUTES = {
  cluster: defineSearchAttributeKey('CrossplaneCluster', 'KEYWORD'),
  namespace: defineSearchAttributeKey('CrossplaneNamespace', 'KEYWORD'),
  /** `kind.group`, e.g. `PostgreSQLInstance.database.example.org`. */
  kind: defineSearchAttributeKey('CrossplaneKind', 'KEYWORD'),
  name: defineSearchAttributeKey('CrossplaneName', 'KEYWORD'),
  owner: defineSearchAttributeKey('CrossplaneOwner', 'KEYWORD'),
  component: defineSearchAttributeKey('CrossplaneComponent', 'KEYWORD'),
  phase: defineSearchAttributeKey('CrossplanePhase', 'KEYWORD'),
  /** When the workflow's state last changed: what the backend's change feed asks for. */
  updatedAt: defineSearchAttributeKey('CrossplaneUpdatedAt', 'DATETIME'),
} as const;

/** How the kind search attribute names a resource's kind. */
export function kindAttributeOf(ref: ResourceRef): string {
  return `${ref.kind}.${apiGroupOf(ref.apiVersion)}`;
}

/** The attributes of a resource's workflow, as they are when its phase is `phase` at `at`. */
export function resourceSearchAttributes(options: {
  ref: ResourceRef;
  owner?: string;
  component?: string;
  phase: string;
  at: Date;
}): SearchAttributePair[] {
  const a = RESOURCE_SEARCH_ATTRIBUTES;
  const pairs: SearchAttributePair[] = [
    { key: a.cluster, value: options.ref.cluster },
    { key: a.namespace, value: options.ref.namespace },
    { key: a.kind, value: kindAttributeOf(options.ref) },
    { key: a.name, value: options.ref.name },
    { key: a.phase, value: options.phase },
    { key: a.updatedAt, value: options.at },
  ];
  if (options.owner) pairs.push({ key: a.owner, value: options.owner });
  if (options.component)
    pairs.push({ key: a.component, value: options.component });
  return pairs;
}
