/*
 * authentication.k8s.io/v1 TokenRequest, the `token` subresource of a service account (what
 * `kubectl create token` calls): validated and defaulted as kube-apiserver does, answered with a
 * bound service account token. Tokens bound to a pod, secret or node are not simulated.
 */
import {
  ISSUER,
  type ServiceAccountTokens,
} from '../auth/serviceAccountTokens';
import type { KubeObject } from '../store/types';
import { StatusError } from './status';

const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

/** @public */
export interface TokenRequestSpec {
  audiences?: string[] | null;
  expirationSeconds?: number | null;
  boundObjectRef?: unknown;
}

export function requestToken(
  tokens: ServiceAccountTokens,
  serviceAccount: KubeObject,
  request: {
    apiVersion?: string;
    kind?: string;
    spec?: TokenRequestSpec | null;
  },
) {
  const { name, namespace } = serviceAccount.metadata;
  if (
    (request.kind ?? 'TokenRequest') !== 'TokenRequest' ||
    (request.apiVersion ?? 'authentication.k8s.io/v1') !==
      'authentication.k8s.io/v1'
  )
    throw StatusError.badRequest(
      `the token subresource takes an authentication.k8s.io/v1 TokenRequest, not ${request.apiVersion} ${request.kind}`,
    );
  const spec = request.spec ?? {};
  if (spec.boundObjectRef)
    throw StatusError.badRequest(
      'kube-sim does not simulate tokens bound to an object (spec.boundObjectRef)',
    );
  const audiences = spec.audiences?.length ? spec.audiences : [ISSUER];
  const expirationSeconds =
    spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  const invalid = (message: string) =>
    StatusError.invalid('TokenRequest', name, [
      { field: 'spec.expirationSeconds', message },
    ]);
  if (!Number.isInteger(expirationSeconds))
    throw invalid(
      `Invalid value: ${JSON.stringify(expirationSeconds)}: must be an integer`,
    );
  if (expirationSeconds < MIN_EXPIRATION_SECONDS)
    throw invalid(
      `Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes`,
    );
  if (expirationSeconds > MAX_EXPIRATION_SECONDS)
    throw invalid(
      `Invalid value: ${expirationSeconds}: may not specify a duration larger than 2^32 seconds`,
    );
  if (!audiences.every(a => typeof a === 'string' && a))
    throw StatusError.invalid('TokenRequest', name, [
      {
        field: 'spec.audiences',
        message: 'Invalid value: audiences must be non-empty strings',
      },
    ]);
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace, creationTimestamp: null },
    spec: { audiences, expirationSeconds, boundObjectRef: null },
    status: tokens.issue(serviceAccount, audiences, expirationSeconds),
  };
}
