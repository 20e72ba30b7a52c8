/*
 * Readiness checks of composed resources, as function-patch-and-transform evaluates them.
 */
import { composedReady } from './patchAndTransform';

const observed = {
  metadata: { annotations: { 'crossplane.io/external-name': 'q-1' } },
  status: {
    atProvider: { state: 'available', replicas: 3, encrypted: true },
    conditions: [
      { type: 'Synced', status: 'True' },
      { type: 'Ready', status: 'False' },
    ],
  },
};

describe('composedReady', () => {
  it('defaults to the Ready condition', () => {
    expect(composedReady(observed, undefined)).toBe(false);
    expect(composedReady(observed, [])).toBe(false);
  });

  it.each([
    [{ type: 'None' }, true],
    [{ type: 'NonEmpty', fieldPath: 'status.atProvider.state' }, true],
    [{ type: 'NonEmpty', fieldPath: 'status.atProvider.endpoint' }, false],
    [
      {
        type: 'MatchString',
        fieldPath: 'status.atProvider.state',
        matchString: 'available',
      },
      true,
    ],
    [
      {
        type: 'MatchInteger',
        fieldPath: 'status.atProvider.replicas',
        matchInteger: 2,
      },
      false,
    ],
    [{ type: 'MatchTrue', fieldPath: 'status.atProvider.encrypted' }, true],
    [{ type: 'MatchFalse', fieldPath: 'status.atProvider.encrypted' }, false],
    [
      {
        type: 'MatchCondition',
        matchCondition: { type: 'Synced', status: 'True' },
      },
      true,
    ],
  ] as const)('%j → %s', (check, ready) => {
    expect(composedReady(observed, [check as any])).toBe(ready);
  });

  it('needs every check to pass', () => {
    expect(
      composedReady(observed, [{ type: 'None' }, { type: 'MatchCondition' }]),
    ).toBe(false);
  });
});
