/*
 * GET of one object, as JSON or as a Table (`kubectl get`).
 */
import type { ApiContext, ResourceRequest } from '../apiContext';
import { authorize } from '../authorization';
import { sendJson } from '../responses';
import { StatusError } from '../status';
import { toTable, wantsTable } from '../table';

export function handleGet(ctx: ApiContext, request: ResourceRequest): number {
  const { route, req, res, identity } = request;
  authorize(ctx.rbac, identity, 'get', route);
  const object = ctx.store.get(route.type, route.namespace, route.name!);
  if (!object) throw StatusError.notFound(route.type, route.name!);
  sendJson(
    res,
    200,
    wantsTable(req.headers.accept)
      ? toTable(route.type, [object], ctx.store.resourceVersion)
      : object,
  );
  return 200;
}
