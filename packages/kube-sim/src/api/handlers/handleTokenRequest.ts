/*
 * POST to a service account's `token` subresource (TokenRequest): a bound token for an existing
 * service account, for callers RBAC allows to create `serviceaccounts/token`.
 */
import type { ApiContext, ResourceRequest } from '../apiContext';
import { authorize } from '../authorization';
import { namespaceMustExist } from '../namespaceLifecycle';
import { parseJson, readBody } from '../requestBody';
import { sendJson } from '../responses';
import { StatusError } from '../status';
import { requestToken } from '../tokenRequests';

export async function handleTokenRequest(
  ctx: ApiContext,
  request: ResourceRequest,
): Promise<number> {
  const { route, req, res, url, identity, dryRun } = request;
  if (req.method !== 'POST')
    throw StatusError.methodNotAllowed(req.method ?? 'GET', url.pathname);
  if (dryRun)
    throw StatusError.badRequest(
      'kube-sim does not simulate dry runs of token requests',
    );
  authorize(ctx.rbac, identity, 'create', route);
  namespaceMustExist(ctx.store, route);
  // The route has a name: the subresource comes after it.
  const name = route.name!;
  const serviceAccount = ctx.store.get(route.type, route.namespace, name);
  if (!serviceAccount) throw StatusError.notFound(route.type, name);
  const body = await readBody(req);
  sendJson(
    res,
    201,
    requestToken(
      ctx.serviceAccountTokens,
      serviceAccount,
      body.trim() ? parseJson(body) : {},
    ),
  );
  return 201;
}
