import { failureMessage } from '../failureMessage';
import { PATCHES } from '../patches';
import type { ResourceEntity } from '../ResourceEntity';
import type { Operation } from '../state';
import { deprovision } from './deprovision';
import { provision } from './provision';
import { update } from './update';

/**
 * Runs one requested operation to its end. Whatever it fails with (a cluster call that ran out of
 * retries, a refused request) fails the operation, and the resource can be retried.
 */
export async function runOperation(
  entity: ResourceEntity,
  operation: Operation,
): Promise<void> {
  const { state } = entity;
  state.currentRequestId = operation.request.requestId;
  entity.provisionRunning =
    operation.op === 'provision' &&
    entity.runtime.patched(PATCHES.oneProvisionAtATime);
  try {
    if (operation.op === 'provision') await provision(entity, operation);
    else if (operation.op === 'update') await update(entity, operation);
    else await deprovision(entity, operation);
  } catch (error) {
    const message = failureMessage(error);
    entity.step(operation.op, 'failed', message);
    entity.fail(operation, message);
    if (!state.applied) state.desiredSpec = undefined;
  } finally {
    state.currentRequestId = undefined;
    entity.provisionRunning = false;
  }
}
