/*
 * Discovery, what clients read before anything else: `/api` and `/apis` list the group versions,
 * `/api/v1` and `/apis/GROUP/VERSION` the resources of one, with their verbs and subresources.
 */
import { apiVersionOf, type ResourceRegistry } from '../store/ResourceRegistry';
import type { ResourceType } from '../store/types';
import { StatusError } from './status';

const STORED_TYPE_VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

/** The discovery document of a discovery path (see `isDiscoveryPath`). */
export function discoveryDocument(
  registry: ResourceRegistry,
  segments: string[],
) {
  if (segments.length === 1 && segments[0] === 'api') {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [
        { clientCIDR: '0.0.0.0/0', serverAddress: '' },
      ],
    };
  }
  if (segments.length === 1 && segments[0] === 'apis') {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...registry.groupVersions()].map(([name, versions]) => ({
        name,
        versions: versions.map(v => ({
          groupVersion: `${name}/${v}`,
          version: v,
        })),
        preferredVersion: {
          groupVersion: `${name}/${versions[0]}`,
          version: versions[0],
        },
      })),
    };
  }
  const group = segments[0] === 'api' ? '' : segments[1];
  const version = segments[0] === 'api' ? segments[1] : segments[2];
  const types = registry
    .all()
    .filter(t => t.group === group && t.version === version);
  if (types.length === 0)
    throw new StatusError(
      404,
      'NotFound',
      `the server could not find the requested resource (${group}/${version})`,
    );
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf({ group, version }),
    resources: types.flatMap(apiResources),
  };
}

/** A type's entries in its group version's resource list: itself, then its subresources. */
function apiResources(type: ResourceType) {
  const main = {
    name: type.plural,
    singularName: type.singular,
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: type.verbs ?? STORED_TYPE_VERBS,
    shortNames: type.shortNames,
    categories: type.categories,
  };
  const subresources = (type.subresources ?? []).map(sub => ({
    name: `${type.plural}/${sub.name}`,
    singularName: '',
    namespaced: type.namespaced,
    group: sub.group,
    version: sub.version,
    kind: sub.kind,
    verbs: sub.verbs,
  }));
  return type.hasStatus
    ? [
        main,
        {
          name: `${type.plural}/status`,
          singularName: '',
          namespaced: type.namespaced,
          kind: type.kind,
          verbs: ['get', 'patch', 'update'],
        },
        ...subresources,
      ]
    : [main, ...subresources];
}
