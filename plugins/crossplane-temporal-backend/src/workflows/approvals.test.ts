/*
 * Approvals: a template's policy makes provisioning wait for an authorised decision, with a
 * deadline after which the request expires. Nothing is written to the cluster before approval.
 */
import type { ResourceStatus } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { pendingApprovalQuery, phaseQuery } from './definitions';
import { FailureTypes } from './refusals';
import {
  alice,
  recordHistory,
  refFor,
  stepsOf,
  useResourceWorkflows,
} from '../__testUtils__/resourceWorkflowHarness';

jest.setTimeout(120_000);

const approval = (timeoutSeconds = 60) => ({
  approval: {
    operations: ['provision' as const],
    approvers: ['group:default/platform'],
    timeoutSeconds,
  },
});

describe('approvals', () => {
  const h = useResourceWorkflows();

  const writesTo = async (name: string, sinceSeq: number) =>
    (await h.sim.admin.audit({ sinceSeq, name, verb: 'patch' })).records.filter(
      r => !r.dryRun,
    );

  it('waits for an approver, refuses a decision by someone else, and provisions once approved', async () => {
    const { lastSeq } = await h.sim.admin.audit();
    const ref = refFor('approved-db');
    const handle = await h.provision(ref, { policy: approval() });
    const waiting = await h.statusWhen(
      handle,
      s => s.phase === 'AwaitingApproval',
    );
    expect(waiting.pendingApproval).toMatchObject({
      operation: 'provision',
      requestedBy: 'user:default/alice',
      approvers: ['group:default/platform'],
    });
    const requestId = waiting.pendingApproval!.requestId;
    // The pending-approval query answers the same, on its own.
    expect(await handle.query(pendingApprovalQuery)).toEqual(
      waiting.pendingApproval,
    );
    expect(await writesTo('approved-db', lastSeq)).toEqual([]);

    // The requester is no approver: the update is rejected and nothing changes.
    const refused: any = await h
      .decide(handle, {
        requestId,
        decidedBy: alice.userEntityRef,
        decidedByOwnershipRefs: alice.ownershipEntityRefs,
      })
      .catch(e => e);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(refused.cause.message).toMatch(
      /may not decide this request; approvers are group:default\/platform/,
    );
    expect(refused.cause.type).toBe(FailureTypes.NotAnApprover);

    await h.decide(handle, { requestId, comment: 'fits the budget' });
    const ready = await h.statusWhen(handle, s => s.phase === 'Ready');
    expect(ready.pendingApproval).toBeUndefined();
    expect(ready.steps).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          step: 'await-approval',
          outcome: 'succeeded',
          message: 'approved by user:default/pat: fits the budget',
        }),
      ]),
    );
    expect((await writesTo('approved-db', lastSeq)).length).toBeGreaterThan(0);
  });

  it('ends as Rejected when an approver says no, having written nothing', async () => {
    const { lastSeq } = await h.sim.admin.audit();
    const handle = await h.provision(refFor('rejected-db'), {
      policy: approval(),
    });
    const waiting = await h.statusWhen(
      handle,
      s => s.phase === 'AwaitingApproval',
    );
    await h.decide(handle, {
      requestId: waiting.pendingApproval!.requestId,
      approved: false,
      comment: 'use the shared instance',
    });
    const status = (await handle.result()) as ResourceStatus;
    expect(status.phase).toBe('Rejected');
    expect(stepsOf(status)).toContain('await-approval:failed');
    expect(status.steps).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          step: 'await-approval',
          message: 'rejected by user:default/pat: use the shared instance',
        }),
      ]),
    );
    expect(await writesTo('rejected-db', lastSeq)).toEqual([]);
  });

  it('expires a request nobody decides before its deadline', async () => {
    const { lastSeq } = await h.sim.admin.audit();
    const handle = await h.provision(refFor('expired-db'), {
      policy: approval(1),
    });
    const status = (await handle.result()) as ResourceStatus;
    expect(status.phase).toBe('Expired');
    await recordHistory(handle, 'approval-expired');
    expect(status.steps).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          step: 'await-approval',
          outcome: 'failed',
          message: 'no decision within 1 s; the request expired',
        }),
      ]),
    );
    expect(await writesTo('expired-db', lastSeq)).toEqual([]);
    expect(status.pendingApproval).toBeUndefined();
  });

  it('refuses an approval by the person who asked, even when they are an approver', async () => {
    const handle = await h.provision(refFor('self-approved-db'), {
      policy: {
        approval: {
          operations: ['provision' as const],
          approvers: ['group:default/team-alpha'],
          timeoutSeconds: 60,
        },
      },
    });
    const waiting = await h.statusWhen(
      handle,
      s => s.phase === 'AwaitingApproval',
    );
    const refused: any = await h
      .decide(handle, {
        requestId: waiting.pendingApproval!.requestId,
        decidedBy: alice.userEntityRef,
        decidedByOwnershipRefs: alice.ownershipEntityRefs,
      })
      .catch(e => e);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(refused.cause.message).toBe(
      'a request cannot be approved by the person who made it',
    );
    expect(refused.cause.type).toBe(FailureTypes.SelfApproval);
    expect(await handle.query(phaseQuery)).toBe('AwaitingApproval');
    // A decision for a request that is not waiting is refused too.
    const unknown: any = await h
      .decide(handle, { requestId: 'not-this-one' })
      .catch(e => e);
    expect(unknown.cause.message).toBe(
      'no request not-this-one is waiting for approval',
    );
    expect(unknown.cause.type).toBe(FailureTypes.NoPendingApproval);
    await h.deprovision(handle);
    expect(((await handle.result()) as ResourceStatus).phase).toBe('Deleted');
  });
});
