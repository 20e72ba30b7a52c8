/*
 * POST of an authorization.k8s.io access review: SelfSubjectAccessReview for anyone
 * authenticated, SubjectAccessReview for callers RBAC allows to create them.
 */
import type { ApiContext, ResourceRequest } from '../apiContext';
import { reviewAccess } from '../accessReviews';
import { authorize } from '../authorization';
import { parseJson, readBody } from '../requestBody';
import { sendJson } from '../responses';
import { StatusError } from '../status';

export const ACCESS_REVIEW_GROUP = 'authorization.k8s.io';

export async function handleAccessReview(
  ctx: ApiContext,
  request: ResourceRequest,
): Promise<number> {
  const { route, req, res, url, identity } = request;
  const method = req.method ?? 'GET';
  if (method !== 'POST' || route.name)
    throw StatusError.methodNotAllowed(method, url.pathname);
  if (route.type.kind === 'SubjectAccessReview')
    authorize(ctx.rbac, identity, 'create', route);
  sendJson(
    res,
    201,
    reviewAccess(
      route.type.kind as 'SelfSubjectAccessReview' | 'SubjectAccessReview',
      parseJson(await readBody(req)),
      identity,
      ctx.rbac,
    ),
  );
  return 201;
}
