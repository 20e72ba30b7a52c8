import { DEFAULT_READY_TIMEOUT_SECONDS } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { ResourceEntity } from '../ResourceEntity';
import type { Operation } from '../state';
import { awaitApproval } from './approval';

/**
 * Deprovision: wait for approval when the policy asks, delete as the requester, and wait until
 * the resource and everything composed from it are gone (finalizers done).
 */
export async function deprovision(
  entity: ResourceEntity,
  operation: Extract<Operation, { op: 'deprovision' }>,
): Promise<void> {
  const { state, ref } = entity;
  const { request } = operation;
  const approval = await awaitApproval(
    entity,
    'deprovision',
    request.requestedBy,
    request.requestId,
  );
  if (approval !== 'approved') {
    state.lastError = `deprovision ${approval}; the resource stays`;
    return;
  }
  state.phase = 'Deprovisioning';
  state.lastError = undefined;
  entity.step(
    'delete',
    'started',
    `deleting as ${entity.actor(request.requestedBy)}`,
  );
  const result = await entity.activities.cluster.deleteResource({
    ref,
    as: entity.identity(request.requestedBy),
  });
  entity.step(
    'delete',
    'succeeded',
    result === 'notFound' ? 'the resource was already gone' : 'delete accepted',
  );

  entity.step(
    'wait-deleted',
    'started',
    'waiting for the resource, its composite and managed resources to be gone',
  );
  if (!(await waitUntilDeleted(entity, operation))) return;
  state.phase = 'Deleted';
  state.applied = undefined;
  state.composed = [];
  state.conditions = [];
  entity.step(
    'wait-deleted',
    'succeeded',
    'the resource and everything composed from it are gone',
  );
  await entity.notify(
    [request.requestedBy.userEntityRef],
    `Deleted: ${entity.title}`,
    'The resource and everything composed from it are gone.',
    'normal',
  );
}

/** Waits until nothing is left; false, with the operation failed, when the time is up first. */
async function waitUntilDeleted(
  entity: ResourceEntity,
  operation: Extract<Operation, { op: 'deprovision' }>,
): Promise<boolean> {
  const { state, runtime } = entity;
  const timeoutSeconds =
    state.policy?.readyTimeoutSeconds ?? DEFAULT_READY_TIMEOUT_SECONDS;
  const deadline = runtime.now() + timeoutSeconds * 1000;
  for (;;) {
    const observed = await entity.refresh(operation.request.requestedBy);
    if (!observed.exists && observed.remaining.length === 0) return true;
    const remaining = deadline - runtime.now();
    if (remaining <= 0) {
      const left = observed.remaining
        .map(o => `${o.kind} ${o.name}`)
        .join(', ');
      entity.fail(
        operation,
        `not deleted within ${timeoutSeconds} s; still there: ${
          left || entity.ref.name
        }`,
      );
      entity.step('wait-deleted', 'failed', state.lastError!);
      return false;
    }
    await entity.nextObservation(Math.min(entity.fallbackPollMs, remaining));
  }
}
