/*
 * A written object against the URL it was sent to: the same apiVersion and kind (filled in when
 * missing, as the API server does), a name, and the route's namespace (cluster-scoped objects
 * have none).
 */
import { apiVersionOf } from '../store/ResourceRegistry';
import type { Route } from './routing';
import { StatusError } from './status';

/** Checks and completes `object` in place; 400 or 422 for what does not fit the route. */
export function checkObjectIdentity(route: Route, object: any): void {
  const expected = apiVersionOf(route.type);
  if (object === null || typeof object !== 'object' || Array.isArray(object)) {
    throw StatusError.badRequest(
      'the request body must be a Kubernetes object',
    );
  }
  // Like the API server, fill in what the URL already says.
  object.apiVersion ??= expected;
  object.kind ??= route.type.kind;
  if (object.apiVersion !== expected || object.kind !== route.type.kind) {
    throw StatusError.badRequest(
      `the API version in the data (${object?.apiVersion}) and kind (${object?.kind}) do not match the request (${expected}, ${route.type.kind})`,
    );
  }
  if (!object.metadata?.name) {
    throw StatusError.invalid(route.type.kind, '', [
      {
        field: 'metadata.name',
        message: 'Required value: name or generateName is required',
      },
    ]);
  }
  if (route.type.namespaced) {
    if (
      object.metadata.namespace &&
      object.metadata.namespace !== route.namespace
    ) {
      throw StatusError.badRequest(
        `the namespace of the provided object does not match the namespace sent on the request`,
      );
    }
    object.metadata.namespace = route.namespace;
  } else {
    delete object.metadata.namespace;
  }
}
