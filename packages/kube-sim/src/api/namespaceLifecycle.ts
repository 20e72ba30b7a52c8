/*
 * What the NamespaceLifecycle admission plugin does in Kubernetes: nothing is written into a
 * namespace that does not exist.
 */
import type { ObjectStore } from '../store/ObjectStore';
import { NAMESPACE_TYPE } from '../store/ResourceRegistry';
import type { Route } from './routing';
import { StatusError } from './status';

/** 404 naming the namespace when the route's namespace does not exist. */
export function namespaceMustExist(store: ObjectStore, route: Route): void {
  if (
    route.namespace &&
    route.type !== NAMESPACE_TYPE &&
    !store.get(NAMESPACE_TYPE, undefined, route.namespace)
  ) {
    throw new StatusError(
      404,
      'NotFound',
      `namespaces "${route.namespace}" not found`,
      { name: route.namespace, kind: 'namespaces' },
    );
  }
}
