/*
 * A resource as the permission framework sees it: its catalog entity of kind `Resource`, as the
 * catalog module writes it and the catalog's processing relates it (owned by its owner, a
 * dependency of the component it was requested for). Conditional decisions on the catalog-entity
 * resource type (e.g. `isEntityOwner`) are applied to it, so that a policy decides the same about
 * a resource whether or not the catalog has its entity yet.
 */
import type { Entity } from '@backstage/catalog-model';
import {
  processedResourceEntity,
  type ResourceEntitySubject,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';

export function resourceEntityOf(resource: ResourceEntitySubject): Entity {
  return processedResourceEntity(resource);
}
