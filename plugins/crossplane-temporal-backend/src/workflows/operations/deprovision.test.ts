/*
 * Deprovision, on its own: delete as the requester, then wait until the resource and everything
 * composed from it are gone; or fail, saying what is left, when that takes too long.
 */
import {
  approvalOf,
  decisionOf,
  deprovisionOf,
  gone,
  observedState,
  provisioned,
  stepsOf,
} from '../../__testUtils__/resourceEntity';
import { runOperation } from './runOperation';

const leftover = {
  apiVersion: 'sim.crossplane.io/v1alpha1',
  kind: 'DatabaseInstance',
  name: 'orders-db-x1',
};

describe('deprovision', () => {
  it('deletes as the requester and waits until nothing is left', async () => {
    const { entity, runtime, state, activities } = await provisioned();
    activities.cluster.readResourceState
      .mockResolvedValueOnce(
        observedState([], {
          exists: false,
          deleting: true,
          remaining: [leftover],
        }),
      )
      .mockResolvedValue(gone());
    await runOperation(entity, deprovisionOf());

    expect(activities.cluster.deleteResource).toHaveBeenCalledWith({
      ref: entity.ref,
      as: { user: 'alice', groups: ['team-alpha'] },
    });
    expect(state.phase).toBe('Deleted');
    expect(state.applied).toBeUndefined();
    expect(state.composed).toEqual([]);
    expect(stepsOf(state)).toEqual([
      'delete:started',
      'delete:succeeded',
      'wait-deleted:started',
      'wait-deleted:succeeded',
    ]);
    expect(runtime.waits).toEqual([{ timeoutMs: 30_000, held: false }]);
    expect(activities.notifier.notify).toHaveBeenCalledWith(
      expect.objectContaining({
        title: 'Deleted: PostgreSQLInstance team-alpha/orders-db',
      }),
    );
  });

  it('says so when the resource was already gone', async () => {
    const { entity, state, activities } = await provisioned();
    activities.cluster.deleteResource.mockResolvedValue('notFound');
    activities.cluster.readResourceState.mockResolvedValue(gone());
    await runOperation(entity, deprovisionOf());
    expect(state.phase).toBe('Deleted');
    expect(state.steps[1].message).toBe('the resource was already gone');
  });

  it('fails, naming what is left, when deletion takes longer than the policy allows', async () => {
    const { entity, runtime, state, activities } = await provisioned();
    activities.cluster.readResourceState.mockResolvedValue(
      observedState([], {
        exists: false,
        deleting: true,
        remaining: [leftover],
      }),
    );
    const operation = deprovisionOf();
    await runOperation(entity, operation);
    expect(state.phase).toBe('Failed');
    expect(state.lastError).toBe(
      'not deleted within 300 s; still there: DatabaseInstance orders-db-x1',
    );
    expect(state.failedOperation).toBe(operation);
    expect(stepsOf(state).slice(-1)).toEqual(['wait-deleted:failed']);
    // A read every fallback period until the policy's time was up.
    expect(runtime.waits).toHaveLength(10);
  });

  it('leaves the resource when an approver rejects the deprovision', async () => {
    const { entity, runtime, state, activities } = await provisioned(
      undefined,
      { policy: approvalOf('deprovision') },
    );
    runtime.whileWaiting(() =>
      entity.decide(decisionOf('deprovision-1', false)),
    );
    await runOperation(entity, deprovisionOf());
    expect(state.phase).toBe('Ready');
    expect(state.lastError).toBe('deprovision rejected; the resource stays');
    expect(activities.cluster.deleteResource).not.toHaveBeenCalled();
  });
});
