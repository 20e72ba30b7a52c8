/*
 * Waiting for Ready, on its own: which conditions count for the generation just applied, what
 * counts as failed, and when the wait gives up or gives way.
 */
import type { Condition } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import {
  alice,
  deprovisionOf,
  entityFor,
  event,
  observedState,
  readyConditions,
} from '../../__testUtils__/resourceEntity';
import { PATCHES } from '../patches';
import { waitForReady } from './applyAndWait';

/** An entity that has just applied generation `generation`. */
function applied(generation: number, conditions: Condition[] = []) {
  const setup = entityFor();
  setup.state.applied = { uid: 'uid-1', generation };
  setup.state.conditions = conditions;
  setup.activities.cluster.readResourceState.mockImplementation(async () =>
    observedState(setup.state.conditions),
  );
  return setup;
}

/** Ready=True as Crossplane before 1.19 reports it for claims: without a generation. */
const readyWithoutGeneration = (lastTransitionTime: string): Condition[] => [
  { type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime },
];

describe('waitForReady', () => {
  it('does not take a Ready left from the previous generation, and waits for the current one', async () => {
    const { entity, runtime } = applied(2, readyConditions(1));
    runtime.whileWaiting(() =>
      entity.observe(event({ conditions: readyConditions(2) })),
    );
    const outcome = await waitForReady(entity, alice, 300);
    expect(outcome.kind).toBe('ready');
    expect(runtime.waits).toEqual([{ timeoutMs: 30_000, held: true }]);
  });

  it('confirms a Ready with a read before it counts (events can come out of order)', async () => {
    const { entity, activities } = applied(2, readyConditions(2));
    activities.cluster.readResourceState
      .mockResolvedValueOnce(observedState(readyConditions(1)))
      .mockResolvedValue(observedState(readyConditions(2)));
    const outcome = await waitForReady(entity, alice, 300);
    expect(outcome.kind).toBe('ready');
    // The first read said otherwise; the fallback read after one period found Ready again.
    expect(activities.cluster.readResourceState).toHaveBeenCalledTimes(3);
  });

  it('waits for composed resources to take the new spec', async () => {
    const { entity, activities, runtime } = applied(2, readyConditions(2));
    const instance = (current: boolean) => ({
      apiVersion: 'sim.crossplane.io/v1alpha1',
      kind: 'DatabaseInstance',
      name: 'orders-db-x1',
      ready: true,
      synced: true,
      current,
    });
    entity.state.composed = [instance(false)];
    activities.cluster.readResourceState.mockResolvedValue(
      observedState(readyConditions(2), { composed: [instance(true)] }),
    );
    expect((await waitForReady(entity, alice, 300)).kind).toBe('ready');
    expect(runtime.waits).toHaveLength(1);
  });

  it('fails on the time limit, saying what the conditions were', async () => {
    const { entity, runtime } = applied(1, [
      { type: 'Synced', status: 'True', reason: 'ReconcileSuccess' },
      { type: 'Ready', status: 'False', reason: 'Creating' },
    ]);
    expect(await waitForReady(entity, alice, 90)).toEqual({
      kind: 'failed',
      message:
        'not Ready within 90 s: Synced=True (ReconcileSuccess), Ready=False (Creating)',
    });
    expect(runtime.waits.map(w => w.timeoutMs)).toEqual([
      30_000, 30_000, 30_000,
    ]);
  });

  it('gives way to a deprovision that arrives while it waits', async () => {
    const { entity, runtime } = applied(1);
    runtime.whileWaiting(() => entity.accept(deprovisionOf()));
    expect(await waitForReady(entity, alice, 300)).toEqual({
      kind: 'interrupted',
    });
  });

  describe('where Ready says no generation (claims before Crossplane 1.19)', () => {
    const old = readyWithoutGeneration('2026-03-01T08:00:00Z');

    it('takes it for a first generation', async () => {
      const { entity } = applied(1, old);
      expect((await waitForReady(entity, alice, 300)).kind).toBe('ready');
    });

    it('takes it for a later generation once it has held for a fallback period', async () => {
      const { entity, runtime } = applied(2, old);
      expect((await waitForReady(entity, alice, 300)).kind).toBe('ready');
      expect(runtime.waits).toHaveLength(1);
    });

    it('never takes it in runs from before the ready-without-generations patch', async () => {
      const { entity, runtime } = applied(2, old);
      runtime.patches.delete(PATCHES.readyWithoutGenerations);
      expect((await waitForReady(entity, alice, 60)).kind).toBe('failed');
    });
  });
});
