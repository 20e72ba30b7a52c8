/*
 * POST of a new object: checked against the route, recorded under its field manager, admitted
 * and stored (201).
 */
import { recordUpdate } from '../../apply/managedFields';
import type { ApiContext, ResourceRequest } from '../apiContext';
import { checkObjectIdentity } from '../objectIdentity';
import { parseJson } from '../requestBody';
import { sendJson } from '../responses';
import { writeObject } from '../writeObject';

export function handleCreate(
  ctx: ApiContext,
  request: ResourceRequest,
  body: string,
): number {
  const { route, res, manager, dryRun } = request;
  const object = parseJson(body);
  checkObjectIdentity(route, object);
  delete object.metadata.resourceVersion;
  const tracked = recordUpdate(undefined, object, manager);
  const created = writeObject(ctx, route, undefined, tracked, dryRun);
  sendJson(res, 201, created);
  return 201;
}
