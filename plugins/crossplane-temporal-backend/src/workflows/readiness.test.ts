import {
  composedSettled,
  describeConditions,
  failureOf,
  failuresBefore,
  isCurrentWithoutGeneration,
  isReadyFor,
  readyWithoutGeneration,
  summariseComposed,
  withoutStaleFailures,
} from './readiness';
import { conditionsOf } from '../cluster/conditions';

describe('isReadyFor', () => {
  const ready = (observedGeneration?: number) => [
    { type: 'Synced', status: 'True' as const, reason: 'ReconcileSuccess' },
    {
      type: 'Ready',
      status: 'True' as const,
      reason: 'Available',
      observedGeneration,
    },
  ];

  it('is ready when Crossplane reports Ready for the applied generation or a later one', () => {
    expect(isReadyFor(ready(3), 3)).toBe(true);
    expect(isReadyFor(ready(4), 3)).toBe(true);
  });

  it('does not count a Ready condition left over from an earlier generation', () => {
    expect(isReadyFor(ready(2), 3)).toBe(false);
    expect(isReadyFor(ready(undefined), 3)).toBe(false);
  });

  it('falls back to status.observedGeneration when the condition has none', () => {
    const read = conditionsOf({
      apiVersion: 'database.example.org/v1alpha1',
      kind: 'PostgreSQLInstance',
      metadata: { name: 'orders-db', generation: 3 },
      status: { observedGeneration: 3, conditions: ready(undefined) },
    });
    expect(isReadyFor(read, 3)).toBe(true);
  });

  it('is not ready without Ready=True', () => {
    expect(isReadyFor([], 1)).toBe(false);
    expect(
      isReadyFor(
        [
          {
            type: 'Ready',
            status: 'False',
            reason: 'Creating',
            observedGeneration: 1,
          },
        ],
        1,
      ),
    ).toBe(false);
  });
});

describe('failureOf', () => {
  it('names the managed resource the provider refused, with its message', () => {
    expect(
      failureOf(
        [{ type: 'Ready', status: 'False', reason: 'Creating' }],
        [
          {
            apiVersion: 'sim.crossplane.io/v1',
            kind: 'Network',
            name: 'db-net',
            synced: true,
          },
          {
            apiVersion: 'sim.crossplane.io/v1',
            kind: 'DatabaseInstance',
            name: 'db-x7k2p',
            synced: false,
            message: 'quota exceeded for instance class large',
          },
        ],
      ),
    ).toBe(
      'DatabaseInstance db-x7k2p failed: quota exceeded for instance class large',
    );
  });

  it('reports a resource Crossplane cannot reconcile', () => {
    expect(
      failureOf(
        [
          {
            type: 'Synced',
            status: 'False',
            reason: 'ReconcileError',
            message: 'no composition',
          },
        ],
        [],
      ),
    ).toBe('Crossplane could not reconcile the resource: no composition');
  });

  it('is undefined while provisioning may still succeed', () => {
    expect(
      failureOf([{ type: 'Ready', status: 'False', reason: 'Creating' }], []),
    ).toBeUndefined();
  });
});

describe('describeConditions', () => {
  it('lists type, status, reason and message', () => {
    expect(
      describeConditions([
        { type: 'Synced', status: 'True', reason: 'ReconcileSuccess' },
        {
          type: 'Ready',
          status: 'False',
          reason: 'Creating',
          message: 'waiting for 2 resources',
        },
      ]),
    ).toBe(
      'Synced=True (ReconcileSuccess), Ready=False (Creating: waiting for 2 resources)',
    );
    expect(describeConditions([])).toBe('no conditions reported yet');
  });
});

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

describe('Ready that says no generation', () => {
  const ready = (lastTransitionTime: string) => ({
    type: 'Ready',
    status: 'True' as const,
    lastTransitionTime,
  });
  const since = Date.parse('2026-12-01T10:00:00.400Z');
  const wait = (now: number) => ({ since, now, settleMs: 30_000 });

  it('is found only where Ready=True carries no observedGeneration', () => {
    expect(readyWithoutGeneration([ready('2026-12-01T10:00:00Z')])).toEqual(
      ready('2026-12-01T10:00:00Z'),
    );
    expect(
      readyWithoutGeneration([
        { type: 'Ready', status: 'True', observedGeneration: 2 },
      ]),
    ).toBeUndefined();
    expect(
      readyWithoutGeneration([{ type: 'Ready', status: 'False' }]),
    ).toBeUndefined();
  });

  it('is current for a first generation, once it changed since the wait began, or after settling', () => {
    const old = ready('2026-12-01T09:00:00Z');
    expect(isCurrentWithoutGeneration(old, 1, wait(since))).toBe(true);
    expect(isCurrentWithoutGeneration(old, 2, wait(since + 1_000))).toBe(false);
    // Kubernetes keeps seconds: a change in the wait's first second counts.
    expect(
      isCurrentWithoutGeneration(ready('2026-12-01T10:00:00Z'), 2, wait(since)),
    ).toBe(true);
    expect(isCurrentWithoutGeneration(old, 2, wait(since + 30_000))).toBe(true);
  });
});
