/*
 * RBAC on a resource request: may this identity use this verb on what the route addresses?
 * Without RBAC (`--no-rbac`) everything is allowed.
 */
import type { Identity } from '../auth/identities';
import type { RbacAuthorizer } from '../auth/rbac';
import { resourceOf, type Route } from './routing';
import { StatusError } from './status';

/** Throws 403 Forbidden, worded as kube-apiserver words it, unless RBAC allows the request. */
export function authorize(
  rbac: RbacAuthorizer | undefined,
  identity: Identity,
  verb: string,
  route: Route,
): void {
  if (!rbac) return;
  if (
    !rbac.allows(identity, {
      verb,
      group: route.type.group,
      resource: resourceOf(route),
      namespace: route.namespace,
      name: route.name,
    })
  ) {
    throw StatusError.forbidden(
      identity.user,
      verb,
      route.type,
      route.namespace,
      route.name,
      route.subresource,
    );
  }
}
