/*
 * Drift: a watcher sees the claim, its composite or a managed resource changed or deleted outside
 * the workflow, and the template's policy decides: repair (re-create or re-apply the desired
 * state), notify, or ignore. Every detection and repair is a step in the history.
 */
import type {
  ResourceRef,
  ResourceStatus,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { NotifyInput } from '../activities/types';
import {
  recordHistory,
  refFor,
  specFor,
  stepsOf,
  useResourceWorkflows,
} from '../__testUtils__/resourceWorkflowHarness';

jest.setTimeout(120_000);

describe('drift', () => {
  const h = useResourceWorkflows();

  const readyWith = async (
    ref: ResourceRef,
    drift: 'repair' | 'notify' | 'ignore',
  ): Promise<[WorkflowHandle, ResourceStatus]> => {
    const handle = await h.provision(ref, { policy: { drift } });
    return [handle, await h.statusWhen(handle, s => s.phase === 'Ready')];
  };

  const instanceOf = (status: ResourceStatus) =>
    status.outputs!.composed.find(c => c.kind === 'DatabaseInstance')!;

  /** Deletes the resource's database instance behind Crossplane's back. */
  const deleteInstanceOf = (status: ResourceStatus) => {
    const { apiVersion, kind, name } = instanceOf(status);
    return h.sim.admin.driftDelete({ apiVersion, kind, name });
  };

  const repaired = (handle: WorkflowHandle) =>
    h.statusWhen(handle, s => stepsOf(s).includes('drift-repaired:succeeded'));

  /** The history names the drift it detected with `message`. */
  const expectDetected = (status: ResourceStatus, message: unknown) =>
    expect(status.steps).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ step: 'drift-detected', message }),
      ]),
    );

  it('repairs a deleted managed resource: detected, re-created, Ready again', async () => {
    const [handle, ready] = await readyWith(refFor('repaired-db'), 'repair');
    const instance = instanceOf(ready);
    await deleteInstanceOf(ready);
    const status = await repaired(handle);
    expect(status.phase).toBe('Ready');
    await recordHistory(handle, 'drift-repair');
    expectDetected(
      status,
      `DatabaseInstance ${instance.name} deleted; policy: repair`,
    );
    // The managed resource is back, and ready.
    expect(status.outputs!.composed.length).toBeGreaterThan(0);
    expect(
      (
        await h.statusWhen(handle, s =>
          s.outputs!.composed.some(
            c =>
              c.kind === 'DatabaseInstance' &&
              c.name === instance.name &&
              c.ready,
          ),
        )
      ).phase,
    ).toBe('Ready');
  });

  it('repairs a claim changed by someone else: their change is taken back', async () => {
    const ref = refFor('tampered-db');
    const [handle] = await readyWith(ref, 'repair');
    await h.sim.admin.driftPatch(
      {
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        namespace: ref.namespace,
        name: ref.name,
      },
      { spec: { parameters: { size: 'large' } } },
      'kubectl-edit',
    );
    const status = await repaired(handle);
    expectDetected(
      status,
      `PostgreSQLInstance tampered-db changed by kubectl-edit; policy: repair`,
    );
    expect(status.lastAppliedSpec).toEqual(specFor(ref));
  });

  it('notifies the owner and changes nothing when the policy says notify', async () => {
    const [handle, ready] = await readyWith(refFor('watched-db'), 'notify');
    const { lastSeq } = await h.sim.admin.audit();
    await deleteInstanceOf(ready);
    const status = await h.statusWhen(handle, s =>
      stepsOf(s).includes('drift:info'),
    );
    expect(status.steps.at(-1)).toMatchObject({
      step: 'drift',
      message: 'owner notified; nothing changed',
    });
    // The notification went to the resource's owner, saying what drifted.
    const notifications = ((await handle.fetchHistory()).events ?? [])
      .map(e => e.activityTaskScheduledEventAttributes)
      .filter(a => a?.activityType?.name === 'notify')
      .map(a =>
        defaultPayloadConverter.fromPayload<NotifyInput>(
          a!.input!.payloads![0],
        ),
      );
    expect(notifications).toContainEqual(
      expect.objectContaining({
        recipients: ['group:default/team-alpha'],
        title: 'Drift: PostgreSQLInstance team-alpha/watched-db',
        description: `DatabaseInstance ${instanceOf(ready).name} deleted`,
        severity: 'high',
      }),
    );
    const writes = (
      await h.sim.admin.audit({
        sinceSeq: lastSeq,
        name: 'watched-db',
        verb: 'patch',
      })
    ).records;
    expect(writes).toEqual([]);
  });

  it('records the drift and does nothing else when the policy says ignore', async () => {
    const [handle, ready] = await readyWith(refFor('ignored-db'), 'ignore');
    await deleteInstanceOf(ready);
    const status = await h.statusWhen(handle, s =>
      stepsOf(s).includes('drift:skipped'),
    );
    expect(stepsOf(status).slice(-2)).toEqual([
      'drift-detected:info',
      'drift:skipped',
    ]);
    expect(status.phase).toBe('Ready');
  });

  it("repairs a managed resource's spec changed by someone else: Crossplane's value is back", async () => {
    const [handle, ready] = await readyWith(refFor('edited-db'), 'repair');
    const { apiVersion, kind, name } = instanceOf(ready);
    const before = await h.kube.get({ apiVersion, kind, name });
    const instanceClass = before!.spec!.forProvider.instanceClass;
    await h.sim.admin.driftPatch(
      { apiVersion, kind, name },
      { spec: { forProvider: { instanceClass: 'db.r5.24xlarge' } } },
      'kubectl-edit',
    );
    const status = await repaired(handle);
    expectDetected(
      status,
      `DatabaseInstance ${name} changed by kubectl-edit; policy: repair`,
    );
    const after = await h.kube.get({ apiVersion, kind, name });
    expect(after!.spec!.forProvider.instanceClass).toBe(instanceClass);
  });

  it("repairs a composite whose spec someone else changed to the claim's", async () => {
    const ref = refFor('rewired-db');
    const [handle, ready] = await readyWith(ref, 'repair');
    const composite = ready.outputs!.composite!;
    await h.sim.admin.driftPatch(
      composite,
      { spec: { parameters: { size: 'large' } } },
      'kubectl-edit',
    );
    const status = await repaired(handle);
    expect(status.phase).toBe('Ready');
    expectDetected(
      status,
      `${composite.kind} ${composite.name} changed by kubectl-edit; policy: repair`,
    );
    // Repaired means the composite's spec is the claim's again, set by Crossplane.
    const after = await h.kube.get(composite);
    expect(after!.spec!.parameters.size).toBe(
      (specFor(ref).parameters as any).size,
    );
  });

  it('repairs a deleted composite: detected, composed again, Ready again', async () => {
    const [handle, ready] = await readyWith(refFor('uprooted-db'), 'repair');
    const composite = ready.outputs!.composite!;
    const uid = (await h.kube.get(composite))!.metadata.uid;
    await h.sim.admin.driftDelete(composite);
    const status = await repaired(handle);
    expect(status.phase).toBe('Ready');
    expectDetected(
      status,
      expect.stringContaining(`${composite.kind} ${composite.name} deleted`),
    );
    // The claim has a composite again, with what it composes, all ready.
    const claim = await h.kube.get(refFor('uprooted-db'));
    const recomposed = await h.kube.get(claim!.spec!.resourceRef);
    expect(recomposed!.metadata.uid).not.toBe(uid);
    expect(status.outputs!.composed.every(c => c.ready)).toBe(true);
  });
});
