/*
 * Several worker replicas, each with its own watchers: every change reaches the workflow once per
 * replica, and the workflow acts on it once. Duplicates and news older than what it knows are
 * dropped (by resourceVersion), so two watchers make one drift report and one repair.
 */
import { pollUntil } from '../__testUtils__/pollUntil';
import {
  observedSignals,
  refFor,
  stepsOf,
  useResourceWorkflows,
} from '../__testUtils__/resourceWorkflowHarness';

jest.setTimeout(120_000);

describe('worker replicas', () => {
  const h = useResourceWorkflows({ replicas: 2 });

  it('acts once on a change that every replica reports', async () => {
    const ref = refFor('shared-db');
    const handle = await h.provision(ref, { policy: { drift: 'repair' } });
    const ready = await h.statusWhen(handle, s => s.phase === 'Ready');
    const instance = ready.outputs!.composed.find(
      c => c.kind === 'DatabaseInstance',
    )!;
    await h.sim.admin.driftDelete(instance);
    const repaired = await h.statusWhen(handle, s =>
      stepsOf(s).includes('drift-repaired:succeeded'),
    );

    // Both replicas tell the workflow about the deletion...
    const deletionsSignalled = async () =>
      (await observedSignals(handle)).filter(
        e => e.type === 'DELETED' && e.name === instance.name,
      ).length;
    await pollUntil(
      'both replicas to signal the deletion',
      deletionsSignalled,
      deletions => deletions >= 2,
    );
    // ...and it reported and repaired the drift once.
    const steps = stepsOf(await h.statusWhen(handle, () => true));
    expect(steps.filter(s => s === 'drift-detected:info')).toHaveLength(1);
    expect(steps.filter(s => s === 'drift-repaired:succeeded')).toHaveLength(1);
    expect(repaired.phase).toBe('Ready');
    expect((await h.statusWhen(handle, () => true)).phase).toBe('Ready');
  });
});
