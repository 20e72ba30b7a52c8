/*
 * DELETE of one object: its propagation policy applied to its dependents, then deleted (objects
 * with finalizers only get their deletionTimestamp). The answer is the object while finalizers
 * hold it, otherwise a Success status.
 */
import type { ApiContext, ResourceRequest } from '../apiContext';
import { propagateDeletion, propagationPolicy } from '../deletePropagation';
import { sendJson } from '../responses';
import { StatusError } from '../status';

export function handleDelete(
  ctx: ApiContext,
  request: ResourceRequest,
  body: string,
): number {
  const { store } = ctx;
  const { route, res, url, dryRun } = request;
  const name = route.name!;
  const current = store.get(route.type, route.namespace, name);
  if (!current) throw StatusError.notFound(route.type, name);
  const policy = propagationPolicy(url, body);
  if (!dryRun) {
    propagateDeletion(ctx, route.type, current, policy);
    store.delete(route.type, route.namespace, name);
  }
  sendJson(
    res,
    200,
    store.get(route.type, route.namespace, name) ?? {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: {
        name,
        group: route.type.group,
        kind: route.type.plural,
        uid: current.metadata.uid,
      },
    },
  );
  return 200;
}
