/*
 * The durable fallback: with no watcher running anywhere, a workflow still sees what Crossplane
 * does, by reading the cluster when its timer fires, and completes every operation. (The other
 * workflow tests read only every ten minutes, so that they see what happens through events.)
 */
import type { ResourceStatus } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import {
  observedSignals,
  readyWithParameters,
  refFor,
  useResourceWorkflows,
} from '../__testUtils__/resourceWorkflowHarness';

jest.setTimeout(120_000);

describe('a resource workflow without watchers', () => {
  const h = useResourceWorkflows({ watchers: false, providerDelayMs: 200 });

  it('provisions, updates and deprovisions by its fallback reads alone', async () => {
    const ref = refFor('unwatched-db');
    const handle = await h.provision(ref, {
      workflowOptions: { fallbackPollSeconds: 1 },
    });
    const ready = await h.statusWhen(handle, s => s.phase === 'Ready');
    expect(ready.outputs?.composed.length).toBeGreaterThan(0);

    await h.updateSpec(handle, ref, { size: 'medium' });
    await h.statusWhen(handle, readyWithParameters({ size: 'medium' }));

    await h.deprovision(handle);
    expect(((await handle.result()) as ResourceStatus).phase).toBe('Deleted');
    expect(await h.kube.get(ref)).toBeUndefined();

    // Nothing told the workflow anything: it waited on its durable timer and read.
    expect(await observedSignals(handle)).toEqual([]);
    const events = (await handle.fetchHistory()).events ?? [];
    expect(
      events.filter(e => e.timerFiredEventAttributes).length,
    ).toBeGreaterThan(0);
  });
});
