/*
 * Crossplane before 1.19 does not say which generation a claim's conditions are about. The
 * workflow still tells a Ready that is about its apply from one left over from the spec before.
 */
import {
  refFor,
  readyWithParameters,
  useResourceWorkflows,
} from '../__testUtils__/resourceWorkflowHarness';

jest.setTimeout(120_000);

describe('claims whose conditions carry no generation', () => {
  const h = useResourceWorkflows({
    providerDelayMs: 300,
    cluster: { claimConditionGenerations: false },
  });

  it('provisions to Ready, and waits for Ready about an update before calling it done', async () => {
    const ref = refFor('vintage-db');
    const handle = await h.provision(ref, {
      workflowOptions: { fallbackPollSeconds: 5 },
    });
    const ready = await h.statusWhen(handle, s => s.phase === 'Ready');
    const claim = await h.kube.get(ref);
    expect(
      claim!.status!.conditions.find((c: any) => c.type === 'Ready'),
    ).not.toHaveProperty('observedGeneration');
    const instance = ready.outputs!.composed.find(
      c => c.kind === 'DatabaseInstance',
    )!;

    await h.updateSpec(handle, ref, { size: 'medium' });
    const updated = await h.statusWhen(
      handle,
      readyWithParameters({ size: 'medium' }),
    );
    // Done means Crossplane acted on the new spec: the managed resource has it, and is ready.
    const mr = await h.kube.get(instance);
    expect(mr!.spec!.forProvider.instanceClass).toBe('db.m5.large');
    expect(
      updated.outputs!.composed.find(c => c.name === instance.name),
    ).toMatchObject({ ready: true, current: true });
  });
});
