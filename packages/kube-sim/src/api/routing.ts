/*
 * What a request addresses: the resource type, namespace, name and subresource its path names
 * (`/api/v1/...` or `/apis/GROUP/VERSION/...`), and the Kubernetes verb its method means there.
 */
import type { ResourceRegistry } from '../store/ResourceRegistry';
import type { ResourceType } from '../store/types';
import { StatusError } from './status';

export interface Route {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** The path's segments, without empty ones: `/apis/g/v/x/` is `['apis', 'g', 'v', 'x']`. */
export function pathSegments(pathname: string): string[] {
  return pathname.split('/').filter(Boolean);
}

/** Whether the path is served by the resource API (`/api/...` or `/apis/...`). */
export function isApiPath(segments: string[]): boolean {
  return segments[0] === 'api' || segments[0] === 'apis';
}

/** `/api`, `/apis`, `/api/VERSION`, `/apis/GROUP` or `/apis/GROUP/VERSION`: discovery's paths. */
export function isDiscoveryPath(segments: string[]): boolean {
  return segments.length <= (segments[0] === 'api' ? 2 : 3);
}

/** The route of a resource path (not a discovery path); 404 for a type the server does not serve. */
export function resolveRoute(
  registry: ResourceRegistry,
  segments: string[],
): Route {
  let group = '';
  let version: string;
  let rest: string[];
  if (segments[0] === 'api') {
    version = segments[1];
    rest = segments.slice(2);
  } else {
    group = segments[1];
    version = segments[2];
    rest = segments.slice(3);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const type = registry.find(group, version, rest[0]);
  if (!type) {
    throw new StatusError(
      404,
      'NotFound',
      `the server could not find the requested resource (${
        group || 'core'
      }/${version} ${rest[0]})`,
    );
  }
  if (namespace && !type.namespaced) {
    throw new StatusError(
      404,
      'NotFound',
      `the server could not find the requested resource: ${type.plural} is not namespaced`,
    );
  }
  return { type, namespace, name: rest[1], subresource: rest[2] };
}

/** `plural` or `plural/subresource`, as RBAC and the audit log name what a route addresses. */
export function resourceOf(route: Route): string {
  return route.subresource
    ? `${route.type.plural}/${route.subresource}`
    : route.type.plural;
}

export const VERB_BY_METHOD: Record<string, string> = {
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** Whether a collection GET asks for a watch (`watch=1` or `watch=true`). */
export function isWatch(url: URL): boolean {
  return ['1', 'true'].includes(url.searchParams.get('watch') ?? '');
}

/** The Kubernetes verb of a request, as RBAC and audit name it. */
export function verbOf(
  method: string,
  route: { name?: string },
  url: URL,
): string {
  if (method === 'DELETE' && !route.name) return 'deletecollection';
  if (method !== 'GET') return VERB_BY_METHOD[method] ?? method.toLowerCase();
  if (route.name) return 'get';
  return isWatch(url) ? 'watch' : 'list';
}
