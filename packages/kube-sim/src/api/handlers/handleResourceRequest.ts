/*
 * A resource request to its handler, by API group, subresource and method. Writes to a single
 * object are authorized for their verb and need their namespace to exist before their body is
 * read.
 */
import { SERVICE_ACCOUNT_TYPE } from '../../store/ResourceRegistry';
import type { ApiContext, ResourceRequest } from '../apiContext';
import { authorize } from '../authorization';
import { namespaceMustExist } from '../namespaceLifecycle';
import { readBody } from '../requestBody';
import { VERB_BY_METHOD } from '../routing';
import { StatusError } from '../status';
import { ACCESS_REVIEW_GROUP, handleAccessReview } from './handleAccessReview';
import { handleCreate } from './handleCreate';
import { handleDelete } from './handleDelete';
import { handleDeleteCollection } from './handleDeleteCollection';
import { handleGet } from './handleGet';
import { handleList } from './handleList';
import { handlePatch } from './handlePatch';
import { handleTokenRequest } from './handleTokenRequest';
import { handleUpdate } from './handleUpdate';

const WRITE_HANDLERS: Record<
  string,
  (ctx: ApiContext, request: ResourceRequest, body: string) => number
> = {
  create: handleCreate,
  update: handleUpdate,
  patch: handlePatch,
  delete: handleDelete,
};

/** Answers the request; returns the status code, for the audit log. */
export async function handleResourceRequest(
  ctx: ApiContext,
  {
    route,
    req,
    res,
    url,
    identity,
  }: Omit<ResourceRequest, 'dryRun' | 'manager'>,
): Promise<number> {
  const request: ResourceRequest = {
    route,
    req,
    res,
    url,
    identity,
    dryRun: url.searchParams.getAll('dryRun').includes('All'),
    manager:
      url.searchParams.get('fieldManager') ??
      String(req.headers['user-agent'] ?? 'unknown').split('/')[0],
  };
  const method = req.method ?? 'GET';
  if (route.type.group === ACCESS_REVIEW_GROUP)
    return handleAccessReview(ctx, request);
  if (route.type === SERVICE_ACCOUNT_TYPE && route.subresource === 'token')
    return handleTokenRequest(ctx, request);
  if (method === 'GET')
    return route.name ? handleGet(ctx, request) : handleList(ctx, request);
  const verb = VERB_BY_METHOD[method];
  if (!verb) throw StatusError.methodNotAllowed(method, url.pathname);
  if (verb === 'delete' && !route.name && !route.subresource)
    return handleDeleteCollection(ctx, request);
  if (verb !== 'create' && !route.name)
    throw StatusError.methodNotAllowed(method, url.pathname);
  authorize(ctx.rbac, identity, verb, route);
  namespaceMustExist(ctx.store, route);
  const body = await readBody(req);
  return WRITE_HANDLERS[verb](ctx, request, body);
}
