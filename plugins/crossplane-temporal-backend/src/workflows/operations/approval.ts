import type { Requester } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { ResourceEntity } from '../ResourceEntity';

export type ApprovalOutcome =
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'interrupted';

/**
 * Waits for an approver's decision when the policy asks for one for this operation; a deprovision
 * requested meanwhile interrupts the wait of a provision or an update.
 */
export async function awaitApproval(
  entity: ResourceEntity,
  operation: 'provision' | 'update' | 'deprovision',
  requester: Requester,
  requestId: string,
): Promise<ApprovalOutcome> {
  const { state, runtime } = entity;
  const approval = state.policy?.approval;
  if (!approval || !approval.operations.includes(operation)) return 'approved';
  const previousPhase = state.phase;
  entity.decision = undefined;
  state.pendingApproval = {
    requestId,
    operation,
    requestedBy: requester.userEntityRef,
    approvers: approval.approvers,
    expiresAt: new Date(
      runtime.now() + approval.timeoutSeconds * 1000,
    ).toISOString(),
  };
  state.phase = 'AwaitingApproval';
  entity.step(
    'await-approval',
    'started',
    `${operation} waits for approval by ${approval.approvers.join(
      ', ',
    )} until ${state.pendingApproval.expiresAt}`,
  );
  await entity.notify(
    approval.approvers,
    `Approval needed: ${operation} ${entity.title}`,
    `${requester.userEntityRef} asks to ${operation} it.`,
    'normal',
  );
  const decided = await runtime.condition(
    () =>
      entity.decision !== undefined ||
      (operation !== 'deprovision' && entity.deprovisionQueued()),
    approval.timeoutSeconds * 1000,
  );
  state.pendingApproval = undefined;
  state.phase = previousPhase;
  const decision = entity.decision;
  if (decided && decision) {
    const { approved, decidedBy, comment } = decision;
    entity.decision = undefined;
    const why = comment ? `: ${comment}` : '';
    entity.step(
      'await-approval',
      approved ? 'succeeded' : 'failed',
      `${approved ? 'approved' : 'rejected'} by ${decidedBy}${why}`,
    );
    return approved ? 'approved' : 'rejected';
  }
  if (decided) {
    entity.step(
      'await-approval',
      'skipped',
      'deprovision requested while waiting for approval',
    );
    return 'interrupted';
  }
  entity.step(
    'await-approval',
    'failed',
    `no decision within ${approval.timeoutSeconds} s; the request expired`,
  );
  await entity.notify(
    [requester.userEntityRef],
    `Request expired: ${operation} ${entity.title}`,
    'No approver decided in time.',
    'normal',
  );
  return 'expired';
}
