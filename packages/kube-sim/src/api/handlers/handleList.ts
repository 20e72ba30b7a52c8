/*
 * GET of a collection: a watch when the query asks for one, otherwise a list, as JSON or as a
 * Table (`kubectl get`). Each is its own RBAC verb.
 */
import type { ApiContext, ResourceRequest } from '../apiContext';
import { authorize } from '../authorization';
import { listObjects } from '../listObjects';
import { sendJson } from '../responses';
import { isWatch } from '../routing';
import { toTable, wantsTable } from '../table';
import { serveWatch } from '../watch';

export function handleList(ctx: ApiContext, request: ResourceRequest): number {
  const { route, req, res, url, identity } = request;
  const watch = isWatch(url);
  authorize(ctx.rbac, identity, watch ? 'watch' : 'list', route);
  if (watch) {
    serveWatch(ctx, route, url, req, res);
    return 200;
  }
  const listed = listObjects(ctx.store, route, url);
  sendJson(
    res,
    200,
    wantsTable(req.headers.accept)
      ? toTable(route.type, listed.items, listed.metadata.resourceVersion)
      : listed,
  );
  return 200;
}
