/*
 * Conditions as the workflows read them: a condition without its own observedGeneration takes
 * the status's.
 */
import { conditionsOf } from './conditions';
import type { KubeObject } from '../cluster/types';

const object = (status: any): KubeObject => ({
  apiVersion: 'example.org/v1',
  kind: 'Thing',
  metadata: { name: 'thing', generation: 3 },
  status,
});

describe('conditionsOf', () => {
  it("keeps a condition's own generation, and fills in the status's where it has none", () => {
    expect(
      conditionsOf(
        object({
          observedGeneration: 2,
          conditions: [
            { type: 'Ready', status: 'True', observedGeneration: 3 },
            { type: 'Synced', status: 'True', reason: 'ReconcileSuccess' },
          ],
        }),
      ),
    ).toEqual([
      expect.objectContaining({ type: 'Ready', observedGeneration: 3 }),
      expect.objectContaining({ type: 'Synced', observedGeneration: 2 }),
    ]);
  });

  it('leaves the generation unknown when nothing reports one', () => {
    const [ready] = conditionsOf(
      object({ conditions: [{ type: 'Ready', status: 'True' }] }),
    );
    expect(ready.observedGeneration).toBeUndefined();
    expect(conditionsOf(object(undefined))).toEqual([]);
  });
});
