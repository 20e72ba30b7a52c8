/*
 * PUT of an existing object (or its status): the whole object replaced, its resourceVersion
 * checked by the store for optimistic concurrency (409 when stale).
 */
import { recordUpdate } from '../../apply/managedFields';
import type { ApiContext, ResourceRequest } from '../apiContext';
import { checkObjectIdentity } from '../objectIdentity';
import { parseJson } from '../requestBody';
import { sendJson } from '../responses';
import { StatusError } from '../status';
import { writeObject } from '../writeObject';

export function handleUpdate(
  ctx: ApiContext,
  request: ResourceRequest,
  body: string,
): number {
  const { route, res, manager, dryRun } = request;
  const current = ctx.store.get(route.type, route.namespace, route.name!);
  if (!current) throw StatusError.notFound(route.type, route.name!);
  const object = parseJson(body);
  checkObjectIdentity(route, object);
  const updated = writeObject(
    ctx,
    route,
    current,
    recordUpdate(current, object, manager, route.subresource),
    dryRun,
  );
  sendJson(res, 200, updated);
  return 200;
}
