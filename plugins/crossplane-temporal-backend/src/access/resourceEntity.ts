/*
 * A resource as the permission framework sees it: a catalog entity of kind `Resource`, owned by
 * its owner and a dependency of the component it was requested for, with the suite's annotations.
 * Conditional decisions on the catalog-entity resource type (e.g. `isEntityOwner`) are applied to
 * it; when the catalog module makes the same entity, policies decide the same about both.
 */
import type { Entity } from '@backstage/catalog-model';
import {
  apiGroupOf,
  resourceWorkflowId,
  type ResourceRef,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';

/** Annotations of a resource's entity: where it lives and which workflow owns it. */
export const RESOURCE_ENTITY_ANNOTATIONS = {
  cluster: 'crossplane-temporal.io/cluster',
  namespace: 'crossplane-temporal.io/namespace',
  kind: 'crossplane-temporal.io/kind',
  name: 'crossplane-temporal.io/name',
  workflowId: 'crossplane-temporal.io/workflow-id',
} as const;

export function resourceEntityOf(resource: {
  ref: ResourceRef;
  owner?: string;
  component?: string;
}): Entity {
  const { ref } = resource;
  const relations: NonNullable<Entity['relations']> = [];
  if (resource.owner)
    relations.push({ type: 'ownedBy', targetRef: resource.owner });
  if (resource.component)
    relations.push({ type: 'dependencyOf', targetRef: resource.component });
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: `${ref.cluster}.${ref.namespace}.${ref.kind.toLocaleLowerCase(
        'en-US',
      )}.${ref.name}`.slice(0, 63),
      namespace: 'default',
      annotations: {
        [RESOURCE_ENTITY_ANNOTATIONS.cluster]: ref.cluster,
        [RESOURCE_ENTITY_ANNOTATIONS.namespace]: ref.namespace,
        [RESOURCE_ENTITY_ANNOTATIONS.kind]: `${ref.kind}.${apiGroupOf(
          ref.apiVersion,
        )}`,
        [RESOURCE_ENTITY_ANNOTATIONS.name]: ref.name,
        [RESOURCE_ENTITY_ANNOTATIONS.workflowId]: resourceWorkflowId(ref),
      },
    },
    spec: {
      type: 'crossplane-resource',
      ...(resource.owner ? { owner: resource.owner } : {}),
      ...(resource.component ? { dependencyOf: [resource.component] } : {}),
    },
    relations,
  };
}
