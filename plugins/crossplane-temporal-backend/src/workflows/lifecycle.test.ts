/*
 * Provision, update and deprovision end to end: a provider failure reported with the managed
 * resource's message, an update applied, a failed update rolled back to the last good spec (a
 * saga whose compensation is in the history), deprovisioning that waits until everything is gone,
 * and deprovisioning while provisioning still waits for Ready.
 */
import type { ResourceStatus } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import {
  recordHistory,
  refFor,
  specFor,
  stepsOf,
  useResourceWorkflows,
} from '../__testUtils__/resourceWorkflowHarness';

jest.setTimeout(120_000);

describe('resource lifecycle', () => {
  const h = useResourceWorkflows();

  afterEach(async () => {
    await h.sim.admin.configureProvider({ delayMs: 50, failures: [] });
  });

  it("reports a provider failure with the managed resource's kind, name and message", async () => {
    await h.sim.admin.configureProvider({
      failures: [
        {
          kind: 'DatabaseInstance',
          namePattern: '^broken-db',
          message: 'quota exceeded for db.t3.small in eu-west-1',
        },
      ],
    });
    const handle = await h.provision(refFor('broken-db'));
    const status = await h.statusWhen(handle, s => s.phase === 'Failed');
    expect(status.lastError).toMatch(
      /^DatabaseInstance broken-db-\w+(-\w+)* failed: .*quota exceeded for db.t3.small in eu-west-1/,
    );
    expect(stepsOf(status)).toContain('wait-ready:failed');
  });

  it('applies an update and waits for Ready on the new generation', async () => {
    const ref = refFor('growing-db');
    const handle = await h.provision(ref);
    await h.statusWhen(handle, s => s.phase === 'Ready');
    await h.updateSpec(handle, ref, { size: 'medium' });
    const status = await h.statusWhen(
      handle,
      s =>
        s.phase === 'Ready' &&
        (s.lastGoodSpec as any)?.parameters?.size === 'medium',
    );
    expect(status.lastAppliedSpec).toEqual(specFor(ref, { size: 'medium' }));
    // Ready is reported for the generation the update produced, not an earlier one.
    const applied = status.steps.filter(s => s.step === 'apply').at(-1)!;
    const generation = Number(
      /applied generation (\d+)/.exec(applied.message)![1],
    );
    const ready = status.conditions.find(c => c.type === 'Ready');
    expect(ready).toMatchObject({
      status: 'True',
      observedGeneration: generation,
    });
    expect(status.outputs?.composed.every(c => c.ready && c.synced)).toBe(true);
  });

  it('rolls a failed update back to the last good spec and reports both', async () => {
    const ref = refFor('resizing-db');
    const handle = await h.provision(ref);
    await h.statusWhen(handle, s => s.phase === 'Ready');
    // The provider refuses the largest instance class.
    await h.sim.admin.configureProvider({
      failures: [
        {
          kind: 'DatabaseInstance',
          specPattern: '"instanceClass":"db.r5.2xlarge"',
          message: 'db.r5.2xlarge is not offered in this region',
        },
      ],
    });
    await h.updateSpec(handle, ref, { size: 'large' });
    const status = await h.statusWhen(
      handle,
      s => s.phase === 'Ready' && stepsOf(s).includes('rollback:succeeded'),
    );
    expect(status.lastError).toMatch(
      /^update failed and was rolled back: DatabaseInstance resizing-db-.* failed: .*db.r5.2xlarge is not offered in this region/,
    );
    expect(status.desiredSpec).toEqual(specFor(ref));
    expect(status.lastAppliedSpec).toEqual(specFor(ref));
    await recordHistory(handle, 'update-rolled-back');
    // The saga: the failed step, then its compensation, in order.
    const steps = stepsOf(status);
    const failedAt = steps.lastIndexOf('wait-ready:failed');
    expect(failedAt).toBeGreaterThan(-1);
    expect(steps.slice(failedAt)).toEqual(
      expect.arrayContaining([
        'rollback:started',
        'rollback-apply:succeeded',
        'wait-ready:succeeded',
        'rollback:succeeded',
      ]),
    );
  });

  it('deprovisions: deletes, waits until the claim and everything composed are gone, and finishes', async () => {
    const ref = refFor('retired-db');
    const handle = await h.provision(ref);
    const ready = await h.statusWhen(handle, s => s.phase === 'Ready');
    expect(ready.outputs?.composed).toHaveLength(2);
    const { lastSeq } = await h.sim.admin.audit();
    await h.deprovision(handle);
    const status = (await handle.result()) as ResourceStatus;
    expect(status.phase).toBe('Deleted');
    expect(stepsOf(status)).toEqual(
      expect.arrayContaining(['delete:succeeded', 'wait-deleted:succeeded']),
    );
    const deletes = (
      await h.sim.admin.audit({
        sinceSeq: lastSeq,
        verb: 'delete',
        name: 'retired-db',
      })
    ).records;
    expect(deletes).toEqual([
      expect.objectContaining({ code: 200, impersonatedUser: 'alice' }),
    ]);
    await recordHistory(handle, 'deprovision');
  });

  it('deprovisions a resource whose provisioning is still waiting for Ready', async () => {
    // Slow enough that provisioning is still waiting when the deprovision arrives.
    await h.sim.admin.configureProvider({ delayMs: 3_000 });
    const ref = refFor('impatient-db');
    const handle = await h.provision(ref);
    await h.statusWhen(handle, s => s.phase === 'WaitingForReady');
    await h.deprovision(handle);
    const status = (await handle.result()) as ResourceStatus;
    expect(status.phase).toBe('Deleted');
    expect(stepsOf(status)).toEqual(
      expect.arrayContaining(['wait-ready:skipped', 'wait-deleted:succeeded']),
    );
  });
});
