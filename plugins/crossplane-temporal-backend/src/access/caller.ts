/*
 * Who is calling, from verified Backstage credentials only: the user (or the service acting on
 * its own) and the entities the user belongs to. The Kubernetes identity the cluster sees is
 * derived from them, never taken from a request.
 */
import type {
  BackstageCredentials,
  HttpAuthService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import { NotAllowedError } from '@backstage/errors';
import type { Requester } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { Request } from 'express';

export interface Caller {
  credentials: BackstageCredentials;
  /** The signed-in user, e.g. `user:default/alice`; absent for a service acting on its own. */
  userEntityRef?: string;
  /** The user and the groups they belong to; empty for a service. */
  ownershipEntityRefs: string[];
  /** How the audit trail names the caller: the user, or `service:<subject>`. */
  actor: string;
}

export async function callerOf(
  req: Request,
  services: { httpAuth: HttpAuthService; userInfo: UserInfoService },
): Promise<Caller> {
  const credentials = await services.httpAuth.credentials(req, {
    allow: ['user', 'service'],
  });
  const principal = credentials.principal as {
    type: string;
    userEntityRef?: string;
    subject?: string;
  };
  if (principal.type !== 'user') {
    return {
      credentials,
      ownershipEntityRefs: [],
      actor: `service:${principal.subject ?? 'unknown'}`,
    };
  }
  const info = await services.userInfo.getUserInfo(credentials);
  return {
    credentials,
    userEntityRef: info.userEntityRef,
    ownershipEntityRefs: info.ownershipEntityRefs,
    actor: info.userEntityRef,
  };
}

/** Requests that change something are made for a person; a service must pass on its user's credentials. */
export function requireUser(caller: Caller): asserts caller is Caller & {
  userEntityRef: string;
} {
  if (!caller.userEntityRef) {
    throw new NotAllowedError(
      "requests that change resources are made on behalf of a user: call with the user's credentials (e.g. the scaffolder task initiator's), not a service token",
    );
  }
}

/**
 * The requester as the workflow and the cluster see it: writes are made as the user's entity name
 * and the names of the groups they belong to (the cluster's RBAC binds those names), on clusters
 * that impersonate.
 */
export function requesterOf(
  caller: Caller & { userEntityRef: string },
): Requester {
  const groups = caller.ownershipEntityRefs
    .map(ref => parseEntityRef(ref))
    .filter(ref => ref.kind.toLocaleLowerCase('en-US') === 'group')
    .map(ref => ref.name);
  return {
    userEntityRef: caller.userEntityRef,
    ownershipEntityRefs: caller.ownershipEntityRefs,
    kubernetes: {
      user: parseEntityRef(caller.userEntityRef).name,
      groups: [...new Set(groups)].sort(),
    },
  };
}
