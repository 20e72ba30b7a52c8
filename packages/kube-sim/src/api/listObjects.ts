/*
 * A collection as a `<Kind>List`: the route's objects that match the request's label and field
 * selectors, at the store's current resourceVersion.
 */
import type { ObjectStore } from '../store/ObjectStore';
import { apiVersionOf } from '../store/ResourceRegistry';
import type { Route } from './routing';
import { parseFieldSelector, parseLabelSelector } from './selectors';

export function listObjects(store: ObjectStore, route: Route, url: URL) {
  const labels = parseLabelSelector(url.searchParams.get('labelSelector'));
  const fields = parseFieldSelector(url.searchParams.get('fieldSelector'));
  const items = store
    .list(route.type, route.namespace)
    .filter(o => labels(o) && fields(o));
  return {
    apiVersion: apiVersionOf(route.type),
    kind: `${route.type.kind}List`,
    metadata: { resourceVersion: store.resourceVersion },
    items,
  };
}
