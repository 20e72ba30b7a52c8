import { failureMessage } from '../failureMessage';
import { PATCHES } from '../patches';
import type { ResourceEntity } from '../ResourceEntity';
import type { Operation } from '../state';
import { applyAndWait, applyRequestedSpec } from './applyAndWait';
import { awaitApproval } from './approval';
import { validate } from './validate';

/**
 * Update: validate, wait for approval when the policy asks, apply the new spec and wait for
 * Ready. A refused, rejected or expired update leaves the resource as it was; one that fails
 * once applied is rolled back to the last good spec (the saga).
 */
export async function update(
  entity: ResourceEntity,
  operation: Extract<Operation, { op: 'update' }>,
): Promise<void> {
  const { state } = entity;
  const { request } = operation;
  state.requester = request.requestedBy;
  state.desiredSpec = request.spec;
  state.lastError = undefined;

  const restingPhase = state.phase;
  const force = entity.runtime.patched(PATCHES.updatesTakeFieldsBack);
  try {
    await validate(
      entity,
      request.spec,
      request.requestedBy,
      request.requestId,
      force,
    );
  } catch (error) {
    // A refused update leaves the resource as it was.
    state.phase = restingPhase;
    state.desiredSpec = state.lastGoodSpec ?? state.lastAppliedSpec;
    state.lastError = `update refused: ${failureMessage(error)}`;
    entity.step('validate', 'failed', state.lastError);
    return;
  }
  state.phase = restingPhase;
  const approval = await awaitApproval(
    entity,
    'update',
    request.requestedBy,
    request.requestId,
  );
  if (approval !== 'approved') {
    state.desiredSpec = state.lastGoodSpec ?? state.lastAppliedSpec;
    if (approval === 'interrupted') return;
    state.lastError = `update ${
      approval === 'rejected' ? 'rejected' : 'expired'
    }; the resource keeps its previous spec`;
    return;
  }

  const outcome = await applyRequestedSpec(entity, request, force);
  if (outcome.kind === 'ready' || outcome.kind === 'interrupted') return;
  await rollBack(entity, operation, outcome.message);
}

/** The saga's compensation: the update failed, so the last good spec is applied again. */
export async function rollBack(
  entity: ResourceEntity,
  operation: Extract<Operation, { op: 'update' }>,
  failure: string,
): Promise<void> {
  const { state } = entity;
  const { request } = operation;
  const good = state.lastGoodSpec;
  if (!good) {
    entity.fail(operation, failure);
    return;
  }
  state.phase = 'RollingBack';
  entity.step(
    'rollback',
    'started',
    `update failed (${failure}); rolling back to the last good spec`,
  );
  const rollback = await applyAndWait(
    entity,
    good,
    request.requestedBy,
    request.requestId,
    'rollback-apply',
    { force: true },
  );
  state.desiredSpec = good;
  if (rollback.kind === 'ready') {
    state.phase = 'Ready';
    state.lastError = `update failed and was rolled back: ${failure}`;
    entity.step('rollback', 'succeeded', 'the last good spec is Ready again');
  } else if (rollback.kind === 'failed') {
    entity.fail(
      operation,
      `update failed (${failure}) and so did the rollback (${rollback.message})`,
    );
    entity.step('rollback', 'failed', rollback.message);
  }
  await entity.notify(
    [request.requestedBy.userEntityRef],
    `Update failed: ${entity.title}`,
    state.lastError ?? failure,
    'high',
  );
}
