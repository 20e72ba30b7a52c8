/*
 * authorization.k8s.io/v1 access reviews: "may this identity do that?", answered by the same RBAC
 * the API enforces. SelfSubjectAccessReview asks about the caller (after impersonation, which is
 * how `kubectl auth can-i --as` works); SubjectAccessReview about anyone, for callers allowed to
 * create subjectaccessreviews.
 */
import type { Identity } from '../auth/identities';
import type { RbacAuthorizer } from '../auth/rbac';
import { StatusError } from './status';

/** What anyone who is authenticated may read without RBAC, as `system:discovery` grants. */
const PUBLIC_PATHS = [
  '/version',
  '/healthz',
  '/readyz',
  '/livez',
  '/api',
  '/apis',
  '/openapi/v2',
];

interface ReviewSpec {
  user?: string;
  groups?: string[];
  resourceAttributes?: {
    namespace?: string;
    verb?: string;
    group?: string;
    resource?: string;
    subresource?: string;
    name?: string;
  };
  nonResourceAttributes?: { path?: string; verb?: string };
}

/**
 * Answers an access review: the request with `status.allowed` (and a reason) filled in.
 * `caller` is who sent it, after impersonation.
 */
export function reviewAccess(
  kind: 'SelfSubjectAccessReview' | 'SubjectAccessReview',
  review: any,
  caller: Identity,
  rbac: RbacAuthorizer | undefined,
): Record<string, unknown> {
  const spec: ReviewSpec = review?.spec ?? {};
  const { resourceAttributes: resource, nonResourceAttributes: nonResource } =
    spec;
  if (Boolean(resource) === Boolean(nonResource))
    throw StatusError.invalid(kind, '', [
      {
        field: 'spec.resourceAttributes',
        message:
          'exactly one of nonResourceAttributes or resourceAttributes must be specified',
      },
    ]);
  let subject = caller;
  if (kind === 'SubjectAccessReview') {
    if (!spec.user && !spec.groups?.length)
      throw StatusError.invalid(kind, '', [
        {
          field: 'spec.user',
          message: 'at least one of user or group must be specified',
        },
      ]);
    subject = { user: spec.user ?? '', groups: spec.groups ?? [] };
  }
  const verb = resource?.verb ?? nonResource?.verb;
  if (!verb)
    throw StatusError.invalid(kind, '', [
      {
        field: resource
          ? 'spec.resourceAttributes.verb'
          : 'spec.nonResourceAttributes.verb',
        message: 'Required value',
      },
    ]);

  let allowed: boolean;
  if (!rbac) allowed = true;
  else if (resource) {
    allowed = rbac.allows(subject, {
      verb,
      group: resource.group ?? '',
      resource: resource.subresource
        ? `${resource.resource}/${resource.subresource}`
        : resource.resource ?? '',
      namespace: resource.namespace || undefined,
      name: resource.name || undefined,
    });
  } else {
    allowed =
      subject.groups.includes('system:masters') ||
      (verb === 'get' && PUBLIC_PATHS.includes(nonResource!.path ?? ''));
  }
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind,
    metadata: { creationTimestamp: null },
    spec,
    status: allowed
      ? { allowed: true, reason: 'allowed by RBAC' }
      : { allowed: false },
  };
}
