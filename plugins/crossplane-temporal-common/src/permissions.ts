/*
 * The permissions of the crossplane-temporal API. They are on the catalog-entity resource type, so
 * that a permission policy decides them the way it decides catalog entities, by ownership
 * (`catalogConditions.isEntityOwner`) among other conditions. The backend applies a conditional
 * decision to the resource as an entity: its owner (the group that owns the component it was
 * requested for), its kind `Resource`, and the component it is a dependency of.
 */
import { createPermission } from '@backstage/plugin-permission-common';

/** The resource type the permissions are on: catalog entities. @public */
export const RESOURCE_TYPE_CATALOG_ENTITY = 'catalog-entity';

/** See a resource: its status, tree, events, steps and history. @public */
export const crossplaneResourceReadPermission = createPermission({
  name: 'crossplane-temporal.resource.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Provision a resource. @public */
export const crossplaneResourceCreatePermission = createPermission({
  name: 'crossplane-temporal.resource.create',
  attributes: { action: 'create' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Change a resource's spec, or retry its failed operation. @public */
export const crossplaneResourceUpdatePermission = createPermission({
  name: 'crossplane-temporal.resource.update',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Deprovision a resource. @public */
export const crossplaneResourceDeletePermission = createPermission({
  name: 'crossplane-temporal.resource.delete',
  attributes: { action: 'delete' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Approve or reject a request waiting for approval. The resource's policy still decides who the
 * approvers are; this permission is what a policy may add on top (e.g. only for owners).
 *
 * @public
 */
export const crossplaneResourceApprovePermission = createPermission({
  name: 'crossplane-temporal.resource.approve',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Every permission of the plugin. @public */
export const crossplaneTemporalPermissions = [
  crossplaneResourceReadPermission,
  crossplaneResourceCreatePermission,
  crossplaneResourceUpdatePermission,
  crossplaneResourceDeletePermission,
  crossplaneResourceApprovePermission,
];
