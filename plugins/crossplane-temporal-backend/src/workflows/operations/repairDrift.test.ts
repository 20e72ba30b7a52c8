/*
 * Drift, on its own: what the policy says to do, and a repair that waits until what was changed
 * or deleted is back.
 */
import {
  entityFor,
  observedState,
  policy,
  provisioned,
  readyConditions,
  stepsOf,
} from '../../__testUtils__/resourceEntity';
import { initialState, type DriftReport, type ResourceState } from '../state';
import {
  describeDrift,
  driftResponse,
  handleDrift,
  isRestored,
} from './repairDrift';

const deletedInstance: DriftReport = {
  role: 'managed',
  kind: 'DatabaseInstance',
  name: 'orders-db-x1',
  what: 'deleted',
  observedAt: '2026-03-01T09:00:00Z',
};
const changedComposite: DriftReport = {
  role: 'composite',
  kind: 'XPostgreSQLInstance',
  name: 'orders-db-abcde',
  what: 'changed',
  by: 'kubectl-edit',
  observedAt: '2026-03-01T09:00:00Z',
};

const instance = (ready: boolean) => ({
  apiVersion: 'sim.crossplane.io/v1alpha1',
  kind: 'DatabaseInstance',
  name: 'orders-db-x1',
  ready,
  synced: true,
  current: true,
});

describe('drift decisions', () => {
  const state = (extra: Partial<ResourceState>): ResourceState => ({
    ...initialState(),
    lastGoodSpec: { parameters: {} },
    requester: {
      userEntityRef: 'user:default/alice',
      ownershipEntityRefs: [],
    },
    ...extra,
  });

  it('follows the policy, and only notifies when there is nothing to repair with', () => {
    expect(driftResponse(state({ policy: policy({ drift: 'ignore' }) }))).toBe(
      'ignore',
    );
    expect(driftResponse(state({ policy: policy({ drift: 'notify' }) }))).toBe(
      'notify',
    );
    expect(driftResponse(state({ policy: undefined }))).toBe('notify');
    expect(driftResponse(state({ policy: policy() }))).toBe('repair');
    expect(
      driftResponse(state({ policy: policy(), lastGoodSpec: undefined })),
    ).toBe('notify');
    expect(
      driftResponse(state({ policy: policy(), requester: undefined })),
    ).toBe('notify');
  });

  it('describes what changed and who changed it', () => {
    expect(describeDrift([deletedInstance, changedComposite])).toBe(
      'DatabaseInstance orders-db-x1 deleted; XPostgreSQLInstance orders-db-abcde changed by kubectl-edit',
    );
  });

  it('counts as undone once deleted resources are back and ready and the composite is Crossplane’s again', () => {
    const reports = [deletedInstance, changedComposite];
    const restoredWith = (ready: boolean | undefined, manager: string) =>
      isRestored(
        state({
          composed: ready === undefined ? [] : [instance(ready)],
          compositeSpecManager: manager,
        }),
        reports,
      );
    expect(restoredWith(undefined, 'crossplane')).toBe(false);
    expect(restoredWith(false, 'crossplane')).toBe(false);
    expect(restoredWith(true, 'kubectl-edit')).toBe(false);
    expect(restoredWith(true, 'crossplane-composite-controller')).toBe(true);
  });
});

describe('handleDrift', () => {
  it('ignores drift when the policy says so', async () => {
    const { entity, state, activities } = entityFor();
    state.policy = policy({ drift: 'ignore' });
    state.drift = [deletedInstance];
    await handleDrift(entity);
    expect(state.drift).toEqual([]);
    expect(stepsOf(state)).toEqual(['drift-detected:info', 'drift:skipped']);
    expect(activities.notifier.notify).not.toHaveBeenCalled();
  });

  it('tells the owner and changes nothing when the policy says notify', async () => {
    const { entity, state, activities } = await provisioned(undefined, {
      policy: policy({ drift: 'notify' }),
    });
    state.drift = [deletedInstance];
    await handleDrift(entity);
    expect(activities.notifier.notify).toHaveBeenCalledWith(
      expect.objectContaining({
        recipients: ['group:default/team-alpha'],
        title: 'Drift: PostgreSQLInstance team-alpha/orders-db',
        description: 'DatabaseInstance orders-db-x1 deleted',
      }),
    );
    expect(activities.cluster.applyResource).not.toHaveBeenCalled();
    expect(stepsOf(state)).toEqual(['drift-detected:info', 'drift:info']);
  });

  it('re-applies the last good spec with force and waits until what was deleted is back', async () => {
    const { entity, runtime, state, activities } = await provisioned();
    state.drift = [deletedInstance];
    // Ready for the new generation at once; the managed resource comes back a read later.
    activities.cluster.readResourceState
      .mockResolvedValueOnce(observedState(readyConditions(2)))
      .mockResolvedValueOnce(observedState(readyConditions(2)))
      .mockResolvedValue(
        observedState(readyConditions(2), { composed: [instance(true)] }),
      );
    state.conditions = readyConditions(2);
    await handleDrift(entity);

    expect(activities.cluster.applyResource).toHaveBeenCalledWith(
      expect.objectContaining({
        spec: state.lastGoodSpec,
        force: true,
        annotations: expect.objectContaining({
          'crossplane-temporal.io/request-id':
            expect.stringMatching(/^drift-repair-\d+$/),
          'crossplane-temporal.io/repaired-at': expect.any(String),
        }),
      }),
    );
    expect(state.phase).toBe('Ready');
    expect(stepsOf(state)).toEqual([
      'drift-detected:info',
      'drift-repair:succeeded',
      'wait-ready:started',
      'wait-ready:succeeded',
      'drift-repaired:succeeded',
    ]);
    expect(state.steps.at(-1)?.message).toBe(
      'desired state restored after: DatabaseInstance orders-db-x1 deleted',
    );
    // Not done at the first Ready: it waited for the managed resource.
    expect(runtime.waits.length).toBeGreaterThan(0);
  });

  it('fails the resource when the repair fails', async () => {
    const { entity, state, activities } = await provisioned();
    state.drift = [deletedInstance];
    activities.cluster.readResourceState.mockResolvedValue(
      observedState([
        {
          type: 'Synced',
          status: 'False',
          reason: 'ReconcileError',
          message: 'composition gone',
        },
      ]),
    );
    await handleDrift(entity);
    expect(state.phase).toBe('Failed');
    expect(state.lastError).toBe(
      'drift repair failed: Crossplane could not reconcile the resource: composition gone',
    );
  });
});
