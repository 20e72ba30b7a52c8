/*
 * What watch events do to the state, and when a change is drift: the decisions the workflow makes
 * on every event, on their own.
 */
import { FIELD_MANAGER } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { event, policy } from '../__testUtils__/resourceEntity';
import { takeObservation } from './observations';
import { PATCHES, type PatchId } from './patches';
import { initialState, type ResourceState } from './state';

const allPatches = () => true;

/** `patched()` that remembers what it was asked, and takes every patch but `without`. */
function recordingPatches(without?: PatchId) {
  const asked: PatchId[] = [];
  const isPatched = (id: PatchId) => {
    asked.push(id);
    return id !== without;
  };
  return { asked, isPatched };
}

/** A resource at rest: applied (generation 2), Ready, with a policy. */
const atRest = (extra: Partial<ResourceState> = {}): ResourceState => ({
  ...initialState(),
  phase: 'Ready',
  policy: policy(),
  applied: { uid: 'uid-1', generation: 2 },
  ...extra,
});

const managed = (extra: object = {}) =>
  event({
    role: 'managed',
    apiVersion: 'sim.crossplane.io/v1alpha1',
    kind: 'DatabaseInstance',
    name: 'orders-db-x1',
    uid: 'uid-mr',
    generation: 1,
    ...extra,
  });

describe('takeObservation', () => {
  it("takes the resource's conditions, and forgets them when it is deleted", () => {
    const state = atRest();
    const ready = [{ type: 'Ready', status: 'True' as const }];
    expect(
      takeObservation(state, event({ conditions: ready }), allPatches),
    ).toBe(true);
    expect(state.conditions).toEqual(ready);
    expect(state.observedVersion).toBe('1');
    takeObservation(
      state,
      event({ type: 'DELETED', resourceVersion: '2', conditions: ready }),
      allPatches,
    );
    expect(state.conditions).toEqual([]);
  });

  it('ignores duplicates, stale events and an object of the same name that is not ours', () => {
    const state = atRest();
    expect(
      takeObservation(state, event({ resourceVersion: '5' }), allPatches),
    ).toBe(true);
    expect(
      takeObservation(state, event({ resourceVersion: '5' }), allPatches),
    ).toBe(false);
    expect(
      takeObservation(state, event({ resourceVersion: '4' }), allPatches),
    ).toBe(false);
    const stranger = event({
      uid: 'uid-before-our-apply',
      conditions: [{ type: 'Ready', status: 'True' }],
    });
    expect(takeObservation(state, stranger, allPatches)).toBe(false);
    expect(state.conditions).toEqual([]);
  });

  it('keeps the composed resources up to date', () => {
    const state = atRest();
    takeObservation(state, managed(), allPatches);
    expect(state.composed).toEqual([
      expect.objectContaining({
        kind: 'DatabaseInstance',
        name: 'orders-db-x1',
      }),
    ]);
    takeObservation(
      state,
      managed({ type: 'DELETED', resourceVersion: '2' }),
      allPatches,
    );
    expect(state.composed).toEqual([]);
  });
});

describe('drift', () => {
  it('is a managed resource deleted, or changed by someone outside the workflow and Crossplane', () => {
    const state = atRest();
    takeObservation(
      state,
      managed({ lastSpecManager: 'kubectl-edit', resourceVersion: '2' }),
      allPatches,
    );
    takeObservation(
      state,
      managed({ type: 'DELETED', resourceVersion: '3' }),
      allPatches,
    );
    expect(state.drift).toEqual([
      expect.objectContaining({
        role: 'managed',
        what: 'changed',
        by: 'kubectl-edit',
      }),
      expect.objectContaining({ role: 'managed', what: 'deleted' }),
    ]);
  });

  it('is not a change made by the workflow itself, Crossplane or a provider', () => {
    const state = atRest();
    for (const [i, manager] of [
      FIELD_MANAGER,
      'crossplane-composite-controller',
      'provider-sim',
    ].entries()) {
      takeObservation(
        state,
        managed({ lastSpecManager: manager, resourceVersion: `${i + 2}` }),
        allPatches,
      );
    }
    expect(state.drift).toEqual([]);
  });

  it('is reported once per object and kind of change', () => {
    const state = atRest();
    for (const version of ['2', '3', '4'])
      takeObservation(
        state,
        managed({ lastSpecManager: 'kubectl-edit', resourceVersion: version }),
        allPatches,
      );
    expect(state.drift).toHaveLength(1);
  });

  it('is only seen at rest: during an operation, or without a policy, changes are not drift', () => {
    for (const state of [
      atRest({ phase: 'WaitingForReady' }),
      atRest({ policy: undefined }),
    ]) {
      takeObservation(state, managed({ type: 'DELETED' }), allPatches);
      expect(state.drift).toEqual([]);
    }
  });

  it("is a resource's spec changed outside only past the generation the workflow applied", () => {
    const state = atRest();
    takeObservation(
      state,
      event({ generation: 2, lastSpecManager: 'kubectl-edit' }),
      allPatches,
    );
    expect(state.drift).toEqual([]);
    takeObservation(
      state,
      event({
        generation: 3,
        lastSpecManager: 'kubectl-edit',
        resourceVersion: '2',
      }),
      allPatches,
    );
    expect(state.drift).toEqual([
      expect.objectContaining({ role: 'resource', what: 'changed' }),
    ]);
  });

  it("is a claim's composite changed outside, in runs that take that patch only", () => {
    const composite = event({
      role: 'composite',
      kind: 'XPostgreSQLInstance',
      name: 'orders-db-abcde',
      uid: 'uid-xr',
      lastSpecManager: 'kubectl-edit',
    });
    const { asked, isPatched } = recordingPatches(
      PATCHES.compositeChangesAreDrift,
    );
    const without = atRest();
    takeObservation(without, composite, isPatched);
    expect(asked).toEqual([PATCHES.compositeChangesAreDrift]);
    expect(without.drift).toEqual([]);
    expect(without.compositeSpecManager).toBe('kubectl-edit');

    const withPatch = atRest();
    takeObservation(withPatch, composite, allPatches);
    expect(withPatch.drift).toEqual([
      expect.objectContaining({ role: 'composite', what: 'changed' }),
    ]);
  });

  it('asks about no patch for events that cannot be a composite change', () => {
    const { asked, isPatched } = recordingPatches();
    const state = atRest();
    takeObservation(
      state,
      managed({ lastSpecManager: 'kubectl-edit' }),
      isPatched,
    );
    takeObservation(
      state,
      event({ lastSpecManager: 'kubectl-edit', generation: 9 }),
      isPatched,
    );
    expect(asked).toEqual([]);
  });
});
