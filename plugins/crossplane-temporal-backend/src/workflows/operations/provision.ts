import { PATCHES } from '../patches';
import type { ResourceEntity } from '../ResourceEntity';
import type { Operation } from '../state';
import { applyRequestedSpec } from './applyAndWait';
import { awaitApproval } from './approval';
import { validate } from './validate';

/**
 * Provision: validate (schema and dry-run), wait for approval when the policy asks, apply as the
 * requester, wait for Ready, record the outputs, tell the requester.
 */
export async function provision(
  entity: ResourceEntity,
  operation: Extract<Operation, { op: 'provision' }>,
): Promise<void> {
  const { state } = entity;
  const { request } = operation;
  state.owner = request.owner;
  state.component = request.component;
  state.labels = request.labels ?? {};
  state.policy = request.policy;
  state.requester = request.requestedBy;
  state.desiredSpec = request.spec;
  state.lastError = undefined;

  await validate(entity, request.spec, request.requestedBy, request.requestId);
  if (
    entity.deprovisionQueued() &&
    entity.runtime.patched(PATCHES.deprovisionBeforeApply)
  ) {
    entity.step(
      'provision',
      'skipped',
      'deprovision requested; nothing was applied',
    );
    return;
  }
  const approval = await awaitApproval(
    entity,
    'provision',
    request.requestedBy,
    request.requestId,
  );
  if (approval === 'rejected' || approval === 'expired') {
    state.phase = approval === 'rejected' ? 'Rejected' : 'Expired';
    return;
  }
  if (approval === 'interrupted') return;

  const outcome = await applyRequestedSpec(entity, request);
  if (outcome.kind === 'ready') {
    await entity.notify(
      [request.requestedBy.userEntityRef],
      `Ready: ${entity.title}`,
      'Crossplane reports the resource Ready.',
      'normal',
    );
  } else if (outcome.kind === 'failed') {
    entity.fail(operation, outcome.message);
    await entity.notify(
      [request.requestedBy.userEntityRef],
      `Failed: ${entity.title}`,
      outcome.message,
      'high',
    );
  }
}
