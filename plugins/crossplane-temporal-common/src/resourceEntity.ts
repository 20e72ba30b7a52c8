/*
 * A resource as a catalog entity of kind `Resource`: the one description that the catalog module
 * puts in the catalog and that the backend applies permission decisions to (conditions on the
 * catalog-entity resource type, such as `isEntityOwner`), so that both decide the same about a
 * resource, whether or not the catalog has its entity yet.
 */
import {
  parseEntityRef,
  RELATION_DEPENDENCY_OF,
  RELATION_OWNED_BY,
  stringifyEntityRef,
  type Entity,
  type EntityRelation,
} from '@backstage/catalog-model';
import { ENTITY_ANNOTATIONS } from './annotations';
import { resourceEntityName } from './entityNames';
import { resourceWorkflowId, type ResourceRef } from './resourceRef';

/**
 * The catalog namespace of the entities the suite writes, unless app-config names another
 * (`catalog.providers.crossplaneTemporal.entityNamespace`).
 *
 * @public
 */
export const DEFAULT_ENTITY_NAMESPACE = 'default';

/**
 * What a resource's entity is made from.
 *
 * @public
 */
export interface ResourceEntitySubject {
  ref: ResourceRef;
  /** Its owner's entity ref, e.g. `group:default/team-alpha`. */
  owner?: string;
  /** The component it was requested for, e.g. `component:default/checkout-service`. */
  component?: string;
}

/**
 * A resource's `Resource` entity as far as it identifies the resource: its name and namespace,
 * the annotations that lead to the cluster object and its workflow, its type, owner and the
 * component it is a dependency of. The catalog module adds what people read (title, tags,
 * links, system, the API it uses).
 *
 * @public
 */
export function resourceEntity(
  subject: ResourceEntitySubject,
  entityNamespace: string = DEFAULT_ENTITY_NAMESPACE,
): Entity & { apiVersion: 'backstage.io/v1alpha1'; kind: 'Resource' } {
  const { ref, owner, component } = subject;
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: resourceEntityName(ref),
      namespace: entityNamespace,
      annotations: {
        [ENTITY_ANNOTATIONS.cluster]: ref.cluster,
        [ENTITY_ANNOTATIONS.namespace]: ref.namespace,
        [ENTITY_ANNOTATIONS.apiVersion]: ref.apiVersion,
        [ENTITY_ANNOTATIONS.kind]: ref.kind,
        [ENTITY_ANNOTATIONS.name]: ref.name,
        [ENTITY_ANNOTATIONS.workflowId]: resourceWorkflowId(ref),
      },
    },
    spec: {
      type: ref.kind.toLowerCase(),
      ...(owner ? { owner } : {}),
      ...(component ? { dependencyOf: [component] } : {}),
    },
  };
}

/**
 * The same entity with the `ownedBy` and `dependencyOf` relations the catalog's processing
 * derives from its spec (refs completed as the catalog completes them), for applying permission
 * conditions to a resource the way the catalog applies them to its entity. A ref the catalog
 * could not read gives no relation, so it grants nothing.
 *
 * @public
 */
export function processedResourceEntity(
  subject: ResourceEntitySubject,
  entityNamespace: string = DEFAULT_ENTITY_NAMESPACE,
): Entity {
  const entity = resourceEntity(subject, entityNamespace);
  const relations: EntityRelation[] = [];
  const relate = (
    type: string,
    ref: string | undefined,
    defaultKind?: string,
  ) => {
    if (!ref) return;
    try {
      const target = parseEntityRef(ref, {
        defaultKind,
        defaultNamespace: entityNamespace,
      });
      relations.push({ type, targetRef: stringifyEntityRef(target) });
    } catch {
      // Not an entity ref: the catalog would refuse the entity rather than relate it.
    }
  };
  relate(RELATION_OWNED_BY, subject.owner, 'Group');
  relate(RELATION_DEPENDENCY_OF, subject.component);
  return { ...entity, relations };
}
