/*
 * Update and its saga, on their own: a failed update is rolled back to the last good spec; each
 * branch (Ready, rolled back, rollback failed, nothing to roll back to, refused, rejected) and
 * what it leaves in the state.
 */
import type { ComposedResource } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { ApplicationFailure } from '@temporalio/common';
import type { ObservedState } from '../../activities/types';
import {
  alice,
  approvalOf,
  decisionOf,
  observedState,
  provisionRequest,
  provisioned as provisionedWith,
  readyConditions,
  stepsOf,
} from '../../__testUtils__/resourceEntity';
import { PATCHES } from '../patches';
import type { Operation } from '../state';
import { runOperation } from './runOperation';

const small = provisionRequest().spec;
const large = { parameters: { size: 'large' } };

const updateTo = (spec = large, requestId = 'update-1'): Operation => ({
  op: 'update',
  request: { requestId, requestedBy: alice, spec },
});

const instance = (generation: number, failure?: string): ComposedResource => ({
  apiVersion: 'sim.crossplane.io/v1alpha1',
  kind: 'DatabaseInstance',
  name: 'orders-db-x1',
  generation,
  current: true,
  synced: failure === undefined,
  ready: true,
  message: failure,
});

/** A provisioned resource whose reads show one ready composed resource per generation. */
const provisioned = (
  readOf: (generation: number) => ObservedState = g =>
    observedState(readyConditions(g), { composed: [instance(g)] }),
  extra: Parameters<typeof provisionRequest>[0] = {},
) => provisionedWith(readOf, extra);

const appliedSpecs = (calls: unknown[][]) =>
  calls.map(([input]: any[]) => ({ spec: input.spec, force: input.force }));

describe('update', () => {
  it('applies the new spec, taking fields back, and makes it the last good one once Ready', async () => {
    const { entity, state, activities } = await provisioned();
    await runOperation(entity, updateTo());
    expect(state.phase).toBe('Ready');
    expect(state.lastGoodSpec).toEqual(large);
    expect(state.lastError).toBeUndefined();
    expect(appliedSpecs(activities.cluster.applyResource.mock.calls)).toEqual([
      { spec: large, force: true },
    ]);
    expect(activities.validation.validateAndDryRun).toHaveBeenLastCalledWith(
      expect.objectContaining({ spec: large, force: true }),
    );
  });

  it('does not force in runs from before the updates-take-fields-back patch', async () => {
    const { entity, runtime, activities } = await provisioned();
    runtime.patches.delete(PATCHES.updatesTakeFieldsBack);
    await runOperation(entity, updateTo());
    expect(appliedSpecs(activities.cluster.applyResource.mock.calls)).toEqual([
      { spec: large, force: undefined },
    ]);
  });

  it('rolls a failed update back to the last good spec, and says so', async () => {
    const { entity, state, activities } = await provisioned(g =>
      g === 2
        ? observedState(readyConditions(1), {
            composed: [instance(2, 'quota exceeded')],
          })
        : observedState(readyConditions(g), { composed: [instance(g)] }),
    );
    await runOperation(entity, updateTo());
    expect(appliedSpecs(activities.cluster.applyResource.mock.calls)).toEqual([
      { spec: large, force: true },
      { spec: small, force: true },
    ]);
    expect(state.phase).toBe('Ready');
    expect(state.desiredSpec).toEqual(small);
    expect(state.lastGoodSpec).toEqual(small);
    expect(state.lastError).toBe(
      'update failed and was rolled back: DatabaseInstance orders-db-x1 failed: quota exceeded',
    );
    expect(state.failedOperation).toBeUndefined();
    expect(stepsOf(state)).toEqual([
      'validate:started',
      'validate:succeeded',
      'apply:succeeded',
      'wait-ready:started',
      'wait-ready:failed',
      'rollback:started',
      'rollback-apply:succeeded',
      'wait-ready:started',
      'wait-ready:succeeded',
      'rollback:succeeded',
    ]);
    expect(activities.notifier.notify).toHaveBeenCalledWith(
      expect.objectContaining({
        title: 'Update failed: PostgreSQLInstance team-alpha/orders-db',
        description: state.lastError,
        severity: 'high',
      }),
    );
  });

  it('fails, naming both failures, when the rollback fails too', async () => {
    const { entity, state } = await provisioned(g =>
      g === 1
        ? observedState(readyConditions(1), { composed: [instance(1)] })
        : observedState(readyConditions(1), {
            composed: [
              instance(g, g === 2 ? 'quota exceeded' : 'still no quota'),
            ],
          }),
    );
    const operation = updateTo();
    await runOperation(entity, operation);
    expect(state.phase).toBe('Failed');
    expect(state.lastError).toBe(
      'update failed (DatabaseInstance orders-db-x1 failed: quota exceeded) and so did the rollback (DatabaseInstance orders-db-x1 failed: still no quota)',
    );
    expect(state.failedOperation).toBe(operation);
    expect(stepsOf(state).slice(-1)).toEqual(['rollback:failed']);
  });

  it('fails without a rollback when there is no good spec to go back to', async () => {
    const { entity, state, activities } = await provisioned();
    state.lastGoodSpec = undefined;
    activities.cluster.readResourceState.mockResolvedValue(
      observedState(readyConditions(1), {
        composed: [instance(2, 'quota exceeded')],
      }),
    );
    await runOperation(entity, updateTo());
    expect(state.phase).toBe('Failed');
    expect(state.lastError).toBe(
      'DatabaseInstance orders-db-x1 failed: quota exceeded',
    );
    expect(activities.cluster.applyResource).toHaveBeenCalledTimes(1);
    expect(activities.notifier.notify).not.toHaveBeenCalled();
  });

  it('leaves the resource as it was when the cluster refuses the new spec', async () => {
    const { entity, state, activities } = await provisioned();
    activities.validation.validateAndDryRun.mockRejectedValue(
      ApplicationFailure.create({
        type: 'Invalid',
        message: 'spec.parameters.size: must be one of small, medium',
        nonRetryable: true,
      }),
    );
    await runOperation(entity, updateTo());
    expect(state.phase).toBe('Ready');
    expect(state.desiredSpec).toEqual(small);
    expect(state.lastError).toBe(
      'update refused: spec.parameters.size: must be one of small, medium',
    );
    expect(stepsOf(state)).toEqual(['validate:started', 'validate:failed']);
    expect(activities.cluster.applyResource).not.toHaveBeenCalled();
  });

  it('keeps the previous spec when an approver rejects the update', async () => {
    const { entity, runtime, state, activities } = await provisioned(
      undefined,
      { policy: approvalOf('update') },
    );
    runtime.whileWaiting(() => entity.decide(decisionOf('update-1', false)));
    await runOperation(entity, updateTo());
    expect(state.phase).toBe('Ready');
    expect(state.desiredSpec).toEqual(small);
    expect(state.lastError).toBe(
      'update rejected; the resource keeps its previous spec',
    );
    expect(activities.cluster.applyResource).not.toHaveBeenCalled();
  });
});
