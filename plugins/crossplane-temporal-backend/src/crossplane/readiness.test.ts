import {
  describeConditions,
  failureOf,
  isCurrentWithoutGeneration,
  isReadyFor,
  readyWithoutGeneration,
} from './readiness';
import { conditionsOf } from './conditions';

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
