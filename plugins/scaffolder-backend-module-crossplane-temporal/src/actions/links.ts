/*
 * Where a person finds a resource afterwards: its Resource entity in the catalog and the tab of
 * the component it was requested for. The names follow the catalog module's naming of Resource
 * entities (`<name>.<kind>.<namespace>.<cluster>`, lowercase kind, at most 63 characters).
 */
import { parseEntityRef } from '@backstage/catalog-model';
import type { ResourceRef } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { createHash } from 'node:crypto';

const MAX_ENTITY_NAME = 63;

/** The catalog name of a resource's Resource entity. */
export function resourceEntityName(
  ref: Pick<ResourceRef, 'cluster' | 'namespace' | 'kind' | 'name'>,
): string {
  const readable = `${ref.name}.${ref.kind.toLowerCase()}.${ref.namespace}.${
    ref.cluster
  }`;
  if (readable.length <= MAX_ENTITY_NAME) return readable;
  // Too long for the catalog: cut, and keep it unique and stable with a hash of the whole.
  const hash = createHash('sha256').update(readable).digest('hex').slice(0, 8);
  const prefix = readable
    .slice(0, MAX_ENTITY_NAME - hash.length - 1)
    .replace(/[^a-z0-9]+$/, '');
  return `${prefix}-${hash}`;
}

export interface ResourceLinks {
  /** The Resource entity's ref, e.g. `resource:default/orders-db.postgresqlinstance.team-alpha.local`. */
  entityRef: string;
  entityPageUrl: string;
  /** The component's resources tab, when the resource was requested for a component. */
  resourcesUrl?: string;
}

export function resourceLinks(options: {
  ref: ResourceRef;
  appBaseUrl: string;
  entityNamespace: string;
  component?: string;
}): ResourceLinks {
  const { ref, appBaseUrl, entityNamespace, component } = options;
  const base = appBaseUrl.replace(/\/+$/, '');
  const name = resourceEntityName(ref);
  const path = (namespace: string, kind: string, entity: string) =>
    `${base}/catalog/${[namespace, kind, entity]
      .map(encodeURIComponent)
      .join('/')}`;
  const links: ResourceLinks = {
    entityRef: `resource:${entityNamespace}/${name}`,
    entityPageUrl: path(entityNamespace, 'resource', name),
  };
  if (component) {
    const owner = parseEntityRef(component, {
      defaultKind: 'component',
      defaultNamespace: 'default',
    });
    links.resourcesUrl = `${path(
      owner.namespace,
      owner.kind.toLowerCase(),
      owner.name,
    )}/crossplane-resources`;
  }
  return links;
}
