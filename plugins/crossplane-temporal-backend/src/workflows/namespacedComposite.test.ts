/*
 * Crossplane v2 namespaced composites, which have no claim: the workflow applies the composite
 * itself in the team's namespace, as the requesting user, and provisions, updates, repairs and
 * deprovisions it like a claim.
 */
import type {
  ResourceRef,
  ResourceStatus,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import {
  stepsOf,
  readyWithParameters,
  useResourceWorkflows,
} from '../__testUtils__/resourceWorkflowHarness';
import { BACKSTAGE_IDENTITY } from '../__testUtils__/testCluster';

jest.setTimeout(120_000);

const queueRef = (name: string): ResourceRef => ({
  cluster: 'local',
  apiVersion: 'messaging.example.org/v1alpha1',
  kind: 'Queue',
  namespace: 'team-alpha',
  name,
});

const queueSpec = (retentionHours: number) => ({
  parameters: { fifo: true, retentionHours },
});

describe('namespaced composites (Crossplane v2)', () => {
  const h = useResourceWorkflows();

  /** The queue's managed resource, as the cluster has it now. */
  const queueInstanceOf = async (status: ResourceStatus) => {
    const composed = status.outputs!.composed.find(
      c => c.kind === 'QueueInstance',
    )!;
    return h.kube.get({
      apiVersion: composed.apiVersion,
      kind: composed.kind,
      namespace: composed.namespace,
      name: composed.name,
    });
  };

  it('provisions, updates and deprovisions a namespaced composite as the requesting user', async () => {
    const ref = queueRef('orders-queue');
    const { lastSeq } = await h.sim.admin.audit();
    const handle = await h.provision(ref, { spec: queueSpec(48) });
    const ready = await h.statusWhen(handle, s => s.phase === 'Ready');
    // The composite is the resource itself: no claim, no separate composite reference.
    expect(ready.outputs?.composite).toBeUndefined();
    expect(ready.outputs?.composed).toEqual([
      expect.objectContaining({
        kind: 'QueueInstance',
        namespace: 'team-alpha',
        ready: true,
        synced: true,
      }),
    ]);
    const writes = await h.sim.admin.audit({
      sinceSeq: lastSeq,
      name: 'orders-queue',
      verb: 'patch',
    });
    // Checked by a dry-run, then written, both as alice.
    expect(writes.records).toEqual([
      expect.objectContaining({
        dryRun: true,
        user: BACKSTAGE_IDENTITY,
        impersonatedUser: 'alice',
      }),
      expect.objectContaining({
        code: 201,
        user: BACKSTAGE_IDENTITY,
        impersonatedUser: 'alice',
      }),
    ]);
    expect(writes.records[1].dryRun).toBeFalsy();
    expect((await queueInstanceOf(ready))?.spec?.forProvider).toMatchObject({
      retentionHours: 48,
    });

    await h.update(handle, queueSpec(24));
    const updated = await h.statusWhen(
      handle,
      readyWithParameters({ retentionHours: 24 }),
    );
    const generation = Number(
      /applied generation (\d+)/.exec(
        updated.steps.filter(s => s.step === 'apply').at(-1)!.message,
      )![1],
    );
    expect(generation).toBeGreaterThan(1);
    expect(updated.conditions.find(c => c.type === 'Ready')).toMatchObject({
      status: 'True',
      observedGeneration: generation,
    });
    const instance = await queueInstanceOf(updated);
    expect(instance?.spec?.forProvider).toMatchObject({ retentionHours: 24 });

    await h.deprovision(handle);
    const deleted = (await handle.result()) as ResourceStatus;
    expect(deleted.phase).toBe('Deleted');
    expect(await h.kube.get(ref)).toBeUndefined();
    expect(
      await h.kube.get({
        apiVersion: instance!.apiVersion,
        kind: instance!.kind,
        namespace: instance!.metadata.namespace,
        name: instance!.metadata.name,
      }),
    ).toBeUndefined();
  });

  it('re-creates the managed resource of a namespaced composite that someone deleted', async () => {
    const ref = queueRef('audit-queue');
    const handle = await h.provision(ref, {
      spec: queueSpec(96),
      policy: { drift: 'repair' },
    });
    const ready = await h.statusWhen(handle, s => s.phase === 'Ready');
    const instance = (await queueInstanceOf(ready))!;
    await h.sim.admin.driftDelete({
      apiVersion: instance.apiVersion,
      kind: instance.kind,
      namespace: instance.metadata.namespace,
      name: instance.metadata.name,
    });
    const repaired = await h.statusWhen(handle, s =>
      stepsOf(s).includes('drift-repaired:succeeded'),
    );
    expect(repaired.phase).toBe('Ready');
    const back = await queueInstanceOf(repaired);
    expect(back?.metadata.uid).toBeDefined();
    expect(back?.metadata.uid).not.toBe(instance.metadata.uid);
  });
});
