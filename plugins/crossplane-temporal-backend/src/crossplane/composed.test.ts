import {
  composedSettled,
  failuresBefore,
  summariseComposed,
  withoutStaleFailures,
} from './composed';
import { failureOf } from './readiness';

describe('composed resources', () => {
  const instance = (
    generation: number,
    synced: { status: 'True' | 'False'; observedGeneration: number },
  ) =>
    summariseComposed({
      apiVersion: 'sim.crossplane.io/v1alpha1',
      kind: 'DatabaseInstance',
      name: 'orders-db-x1',
      generation,
      conditions: [
        {
          type: 'Synced',
          status: synced.status,
          reason:
            synced.status === 'True' ? 'ReconcileSuccess' : 'ReconcileError',
          message: synced.status === 'False' ? 'quota exceeded' : undefined,
          observedGeneration: synced.observedGeneration,
        },
        { type: 'Ready', status: 'True', reason: 'Available' },
      ],
    });

  it('is settled only once the provider reported on its latest spec, and took it', () => {
    expect(
      composedSettled([instance(2, { status: 'True', observedGeneration: 2 })]),
    ).toBe(true);
    // The spec changed (generation 3); the provider has not looked yet.
    const behind = instance(3, { status: 'True', observedGeneration: 2 });
    expect(behind.current).toBe(false);
    expect(composedSettled([behind])).toBe(false);
    expect(
      composedSettled([
        instance(3, { status: 'False', observedGeneration: 3 }),
      ]),
    ).toBe(false);
  });

  it("ignores a failure that predates an apply until the resource's spec changes", () => {
    const failed = instance(3, { status: 'False', observedGeneration: 3 });
    const before = failuresBefore([failed]);
    expect(before).toEqual({ 'DatabaseInstance/orders-db-x1': 3 });
    expect(
      failureOf([], withoutStaleFailures([failed], before)),
    ).toBeUndefined();
    // After the apply the resource got a new spec and failed again: that failure counts.
    const failedAgain = instance(4, { status: 'False', observedGeneration: 4 });
    expect(failureOf([], withoutStaleFailures([failedAgain], before))).toBe(
      'DatabaseInstance orders-db-x1 failed: quota exceeded',
    );
  });

  it('ignores a failure reported for an earlier generation than the resource now has', () => {
    const before = failuresBefore([
      instance(2, { status: 'False', observedGeneration: 2 }),
    ]);
    // The rollback gave it a new spec (generation 3); the report is still the one about 2.
    const stale = instance(3, { status: 'False', observedGeneration: 2 });
    expect(failureOf([], withoutStaleFailures([stale], before, true))).toBe(
      undefined,
    );
    // Without the check (histories from before it), the stale report counted.
    expect(failureOf([], withoutStaleFailures([stale], before))).toBe(
      'DatabaseInstance orders-db-x1 failed: quota exceeded',
    );
    // Once the provider has looked at generation 3 and refused it, the failure counts.
    const refused = instance(3, { status: 'False', observedGeneration: 3 });
    expect(failureOf([], withoutStaleFailures([refused], before, true))).toBe(
      'DatabaseInstance orders-db-x1 failed: quota exceeded',
    );
  });
});
