/*
 * DELETE of a collection: every object the selectors match, each deleted as a DELETE of it would
 * be (finalizers first); the answer lists them as they were when the deletion started. Its own
 * RBAC verb, `deletecollection`.
 */
import type { ApiContext, ResourceRequest } from '../apiContext';
import { authorize } from '../authorization';
import { listObjects } from '../listObjects';
import { sendJson } from '../responses';

export function handleDeleteCollection(
  ctx: ApiContext,
  request: ResourceRequest,
): number {
  const { route, res, url, identity, dryRun } = request;
  authorize(ctx.rbac, identity, 'deletecollection', route);
  const matched = listObjects(ctx.store, route, url);
  if (!dryRun)
    for (const item of matched.items)
      ctx.store.delete(route.type, item.metadata.namespace, item.metadata.name);
  sendJson(res, 200, matched);
  return 200;
}
