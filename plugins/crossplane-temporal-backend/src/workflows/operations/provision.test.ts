/*
 * Provision, on its own: with mocked activities and a stand-in for the workflow API, each branch
 * (Ready, failed, rejected, expired, deprovisioned meanwhile) and what it leaves in the state.
 */
import { ApplicationFailure } from '@temporalio/common';
import {
  approvalOf,
  decisionOf,
  deprovisionOf,
  entityFor,
  event,
  observedState,
  provisionRequest,
  readyConditions,
  stepsOf,
} from '../../__testUtils__/resourceEntity';
import { PATCHES } from '../patches';
import type { ResourceEntity } from '../ResourceEntity';
import type { Operation } from '../state';
import { runOperation } from './runOperation';

const provisionOf = (
  extra: Parameters<typeof provisionRequest>[0] = {},
): Operation => ({ op: 'provision', request: provisionRequest(extra) });

const approvalPolicy = approvalOf('provision', 3600);

/** A deprovision request arrives while the provision's spec is being validated. */
function deprovisionWhileValidating(
  entity: ResourceEntity,
  activities: ReturnType<typeof entityFor>['activities'],
) {
  activities.validation.validateAndDryRun.mockImplementation(async () => {
    entity.accept(deprovisionOf());
  });
}

describe('provision', () => {
  it('validates, applies as the requester, waits for Ready (event-driven), records the outputs and tells the requester', async () => {
    const { entity, runtime, activities, state } = entityFor();
    // Crossplane's Ready arrives by a watch event while the workflow waits.
    runtime.whileWaiting(() =>
      entity.observe(event({ conditions: readyConditions(1) })),
    );
    activities.cluster.readResourceState.mockResolvedValue(
      observedState(readyConditions(1), {
        connectionSecret: {
          namespace: 'team-alpha',
          name: 'orders-db-conn',
          keys: ['endpoint', 'password'],
        },
      }),
    );
    await runOperation(entity, provisionOf());

    expect(state.phase).toBe('Ready');
    expect(state.lastGoodSpec).toEqual(provisionRequest().spec);
    expect(state.outputs?.connectionSecret?.keys).toEqual([
      'endpoint',
      'password',
    ]);
    expect(stepsOf(state)).toEqual([
      'validate:started',
      'validate:succeeded',
      'apply:succeeded',
      'wait-ready:started',
      'wait-ready:succeeded',
      'record-outputs:succeeded',
    ]);
    expect(activities.validation.validateAndDryRun).toHaveBeenCalledTimes(1);
    expect(activities.cluster.applyResource).toHaveBeenCalledWith(
      expect.objectContaining({
        spec: provisionRequest().spec,
        as: { user: 'alice', groups: ['team-alpha'] },
        annotations: expect.objectContaining({
          'crossplane-temporal.io/workflow-id': 'resource-workflow-1',
        }),
      }),
    );
    // One read to confirm what the event said; none on a timer.
    expect(activities.cluster.readResourceState).toHaveBeenCalledTimes(1);
    expect(activities.notifier.notify).toHaveBeenCalledWith(
      expect.objectContaining({
        recipients: ['user:default/alice'],
        title: 'Ready: PostgreSQLInstance team-alpha/orders-db',
      }),
    );
    expect(state.currentRequestId).toBeUndefined();
    expect(entity.provisionRunning).toBe(false);
  });

  it('finds Ready by its fallback read when no event comes', async () => {
    const { entity, runtime, state, activities } = entityFor();
    await runOperation(entity, provisionOf());
    expect(state.phase).toBe('Ready');
    // The wait timed out once after the fallback period, then read and confirmed.
    expect(runtime.waits).toEqual([{ timeoutMs: 30_000, held: false }]);
    expect(activities.cluster.readResourceState).toHaveBeenCalledTimes(2);
  });

  it("fails with the provider's reason, keeps the operation for a retry, and tells the requester", async () => {
    const { entity, state, activities } = entityFor();
    activities.cluster.readResourceState.mockResolvedValue(
      observedState([{ type: 'Ready', status: 'False', reason: 'Creating' }], {
        composed: [
          {
            apiVersion: 'sim.crossplane.io/v1alpha1',
            kind: 'DatabaseInstance',
            name: 'orders-db-x1',
            synced: false,
            generation: 1,
            current: true,
            message: 'no capacity in eu-west-1a',
          },
        ],
      }),
    );
    const operation = provisionOf();
    await runOperation(entity, operation);
    expect(state.phase).toBe('Failed');
    expect(state.lastError).toBe(
      'DatabaseInstance orders-db-x1 failed: no capacity in eu-west-1a',
    );
    expect(state.failedOperation).toBe(operation);
    expect(activities.notifier.notify).toHaveBeenCalledWith(
      expect.objectContaining({
        severity: 'high',
        title: expect.stringMatching(/^Failed: /),
      }),
    );
  });

  it('fails without applying when validation refuses the spec, and forgets the spec', async () => {
    const { entity, state, activities } = entityFor();
    activities.validation.validateAndDryRun.mockRejectedValue(
      ApplicationFailure.create({
        type: 'Invalid',
        message: 'spec.parameters.size: must be one of small, medium, large',
        nonRetryable: true,
      }),
    );
    await runOperation(entity, provisionOf());
    expect(state.phase).toBe('Failed');
    expect(state.lastError).toMatch(/must be one of small, medium, large/);
    expect(state.desiredSpec).toBeUndefined();
    expect(stepsOf(state)).toEqual(['validate:started', 'provision:failed']);
    expect(activities.cluster.applyResource).not.toHaveBeenCalled();
  });

  it('applies nothing when a deprovision came while it was validated', async () => {
    const { entity, state, activities } = entityFor();
    deprovisionWhileValidating(entity, activities);
    await runOperation(entity, provisionOf());
    expect(stepsOf(state).slice(-1)).toEqual(['provision:skipped']);
    expect(activities.cluster.applyResource).not.toHaveBeenCalled();
  });

  it('applies after validation in runs from before the deprovision-before-apply patch', async () => {
    const { entity, runtime, activities } = entityFor();
    runtime.patches.delete(PATCHES.deprovisionBeforeApply);
    deprovisionWhileValidating(entity, activities);
    await runOperation(entity, provisionOf());
    expect(activities.cluster.applyResource).toHaveBeenCalledTimes(1);
    // The wait for Ready gives way to the deprovision.
    expect(stepsOf(entity.state).slice(-1)).toEqual(['wait-ready:skipped']);
  });

  it('waits for an approver, and applies once approved', async () => {
    const { entity, runtime, state, activities } = entityFor();
    let whileWaiting: unknown;
    runtime.whileWaiting(() => {
      whileWaiting = { phase: state.phase, pending: state.pendingApproval };
      entity.decide(decisionOf('provision-1', true, 'fits the budget'));
    });
    await runOperation(entity, provisionOf({ policy: approvalPolicy }));
    expect(whileWaiting).toEqual({
      phase: 'AwaitingApproval',
      pending: {
        requestId: 'provision-1',
        operation: 'provision',
        requestedBy: 'user:default/alice',
        approvers: ['group:default/platform'],
        expiresAt: '2026-03-01T10:00:00.000Z',
      },
    });
    expect(state.phase).toBe('Ready');
    expect(state.pendingApproval).toBeUndefined();
    expect(state.steps.map(s => s.message)).toContain(
      'approved by user:default/pat: fits the budget',
    );
    expect(activities.notifier.notify).toHaveBeenCalledWith(
      expect.objectContaining({
        recipients: ['group:default/platform'],
        title:
          'Approval needed: provision PostgreSQLInstance team-alpha/orders-db',
      }),
    );
  });

  it('is Rejected when an approver says no, and Expired when nobody decides in time', async () => {
    const rejected = entityFor();
    rejected.runtime.whileWaiting(() =>
      rejected.entity.decide(decisionOf('provision-1', false)),
    );
    await runOperation(
      rejected.entity,
      provisionOf({ policy: approvalPolicy }),
    );
    expect(rejected.state.phase).toBe('Rejected');

    const expired = entityFor();
    await runOperation(expired.entity, provisionOf({ policy: approvalPolicy }));
    expect(expired.state.phase).toBe('Expired');
    expect(expired.runtime.waits).toEqual([
      { timeoutMs: 3_600_000, held: false },
    ]);
    expect(expired.activities.cluster.applyResource).not.toHaveBeenCalled();
    expect(expired.activities.notifier.notify).toHaveBeenLastCalledWith(
      expect.objectContaining({
        recipients: ['user:default/alice'],
        description: 'No approver decided in time.',
      }),
    );
  });

  it('goes on when a notification fails, with a warning', async () => {
    const { entity, runtime, state, activities } = entityFor();
    activities.notifier.notify.mockRejectedValue(
      new Error('no notifications service'),
    );
    await runOperation(entity, provisionOf());
    expect(state.phase).toBe('Ready');
    expect(runtime.warnings).toEqual(['notification failed']);
  });
});
