/*
 * Where a person finds a resource afterwards: its Resource entity in the catalog and the tab of
 * the component it was requested for, named by common's functions, the same ones the catalog
 * module names the entity with.
 */
import {
  componentResourcesPath,
  resourceEntityName,
  type ResourceRef,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';

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
  const links: ResourceLinks = {
    entityRef: `resource:${entityNamespace}/${name}`,
    entityPageUrl: `${base}/catalog/${[entityNamespace, 'resource', name]
      .map(encodeURIComponent)
      .join('/')}`,
  };
  if (component)
    links.resourcesUrl = `${base}${componentResourcesPath(component)}`;
  return links;
}
