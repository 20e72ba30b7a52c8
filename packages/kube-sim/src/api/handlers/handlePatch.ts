/*
 * PATCH of an object (or its status): server-side apply, which may also create it (and then needs
 * the `create` verb too), or a JSON, merge or strategic merge patch of an existing one.
 */
import type { ApiContext, ResourceRequest } from '../apiContext';
import { authorize } from '../authorization';
import { isApplyPatch, patchObject } from '../patchObject';
import { sendJson } from '../responses';
import { StatusError } from '../status';
import { writeObject } from '../writeObject';

export function handlePatch(
  ctx: ApiContext,
  request: ResourceRequest,
  body: string,
): number {
  const { route, req, res, url, identity, manager, dryRun } = request;
  const current = ctx.store.get(route.type, route.namespace, route.name!);
  const contentType = String(req.headers['content-type'] ?? '');
  const isApply = isApplyPatch(contentType);
  if (isApply && !url.searchParams.get('fieldManager')) {
    throw StatusError.badRequest(
      'PATCH with apply-patch+yaml requires a fieldManager',
    );
  }
  if (isApply && !current) authorize(ctx.rbac, identity, 'create', route);
  const tracked = patchObject(
    route,
    current,
    contentType,
    body,
    manager,
    url.searchParams.get('force') === 'true',
  );
  const patched = writeObject(ctx, route, current, tracked, dryRun);
  const code = current ? 200 : 201;
  sendJson(res, code, patched);
  return code;
}
