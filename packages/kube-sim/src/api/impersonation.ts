/*
 * Impersonate-User / Impersonate-Group: a caller acting as someone else, allowed by the
 * `impersonate` verb on users and groups, as in Kubernetes.
 */
import type http from 'node:http';
import type { Identity } from '../auth/identities';
import type { RbacAuthorizer } from '../auth/rbac';
import { StatusError } from './status';

export interface Impersonation {
  /** Whom the request acts as. */
  effective: Identity;
  /** Set when that is not the caller. */
  impersonated?: Identity;
}

/** The identity a request acts as; 403 when the caller may not impersonate it. */
export function impersonate(
  rbac: RbacAuthorizer | undefined,
  identity: Identity,
  req: http.IncomingMessage,
): Impersonation {
  const user = req.headers['impersonate-user'];
  const groupHeader = req.headersDistinct['impersonate-group'] ?? [];
  if (!user) {
    if (groupHeader.length)
      throw StatusError.badRequest(
        'Impersonate-Group requires Impersonate-User',
      );
    return { effective: identity };
  }
  const userName = Array.isArray(user) ? user[0] : user;
  const check = (resource: string, name: string) => {
    if (
      rbac &&
      !rbac.allows(identity, {
        verb: 'impersonate',
        group: '',
        resource,
        name,
      })
    ) {
      throw new StatusError(
        403,
        'Forbidden',
        `${resource} "${name}" is forbidden: User "${identity.user}" cannot impersonate resource "${resource}" in API group "" at the cluster scope`,
      );
    }
  };
  check('users', userName);
  for (const group of groupHeader) check('groups', group);
  const impersonated = {
    user: userName,
    groups: [...new Set([...groupHeader, 'system:authenticated'])],
  };
  return { effective: impersonated, impersonated };
}
