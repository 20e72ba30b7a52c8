/*
 * Provision, update and deprovision end to end: a provider failure reported with the managed
 * resource's message, an update applied, a failed update rolled back to the last good spec (a
 * saga whose compensation is in the history), deprovisioning that waits until everything is gone,
 * and deprovisioning while provisioning still waits for Ready.
 */
import type { ResourceStatus } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { Context } from '@temporalio/activity';
import type { ResourceActivities } from '../activities/types';
import { phaseQuery } from './definitions';
import {
  type ResourceWorkflowHarness,
  observedSignals,
  recordHistory,
  refFor,
  specFor,
  stepsOf,
  readyWithParameters,
  useResourceWorkflows,
} from '../__testUtils__/resourceWorkflowHarness';

jest.setTimeout(120_000);

/**
 * Validation of resources named `hasty-*` reports back only once the workflow has accepted a
 * deprovision: the request arrives while the provision is being validated.
 */
function holdingBackValidation(h: ResourceWorkflowHarness) {
  return (real: ResourceActivities): ResourceActivities => ({
    ...real,
    async validateAndDryRun(input) {
      await real.validateAndDryRun(input);
      if (!input.ref.name.startsWith('hasty')) return;
      const { workflowId } = Context.current().info.workflowExecution!;
      for (;;) {
        const { events } = await h.client.workflow
          .getHandle(workflowId)
          .fetchHistory();
        const accepted = (events ?? []).some(
          e =>
            e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest
              ?.input?.name === 'deprovision',
        );
        if (accepted) return;
        await new Promise(resolve => setTimeout(resolve, 50));
      }
    },
  });
}

/**
 * Applies of resources named `late-news-*` report back only once the workflow has been told that
 * a managed resource failed: the workflow then sees that news before the apply's result, as it
 * does when a busy worker's activity completion reaches Temporal late.
 */
function holdingBackApplies(h: ResourceWorkflowHarness) {
  return (real: ResourceActivities): ResourceActivities => ({
    ...real,
    async applyResource(input) {
      const applied = await real.applyResource(input);
      if (!input.ref.name.startsWith('late-news')) return applied;
      const { workflowId } = Context.current().info.workflowExecution!;
      for (;;) {
        const events = await observedSignals(
          h.client.workflow.getHandle(workflowId),
        );
        const failed = events.some(
          e =>
            e.role === 'managed' &&
            e.conditions.some(c => c.type === 'Synced' && c.status === 'False'),
        );
        if (failed) return applied;
        await new Promise(resolve => setTimeout(resolve, 50));
      }
    },
  });
}

describe('resource lifecycle', () => {
  const h: ResourceWorkflowHarness = useResourceWorkflows({
    wrapActivities: activities =>
      holdingBackValidation(h)(holdingBackApplies(h)(activities)),
  });

  afterEach(async () => {
    await h.sim.admin.configureProvider({
      delayMs: 50,
      failures: [],
      held: false,
    });
  });

  /** Provisions `name` while the provider refuses its database; the status once it failed. */
  async function provisionRefused(name: string, message: string) {
    await h.sim.admin.configureProvider({
      failures: [
        { kind: 'DatabaseInstance', namePattern: `^${name}`, message },
      ],
    });
    // A deadline far away: the failure, not a timeout, must end the wait.
    const handle = await h.provision(refFor(name), {
      policy: { readyTimeoutSeconds: 600 },
    });
    return h.statusWhen(handle, s => s.phase === 'Failed');
  }

  it("reports a provider failure with the managed resource's kind, name and message", async () => {
    const status = await provisionRefused(
      'broken-db',
      'quota exceeded for db.t3.small in eu-west-1',
    );
    expect(status.lastError).toMatch(
      /^DatabaseInstance broken-db-\w+(-\w+)* failed: .*quota exceeded for db.t3.small in eu-west-1/,
    );
    expect(stepsOf(status)).toContain('wait-ready:failed');
  });

  it('reports a provider failure the workflow hears of before its apply returns', async () => {
    // holdingBackApplies makes the news arrive first for late-news-* resources.
    const status = await provisionRefused(
      'late-news-db',
      'no capacity in eu-west-1a',
    );
    expect(status.lastError).toMatch(
      /^DatabaseInstance late-news-db-\w+(-\w+)* failed: .*no capacity in eu-west-1a/,
    );
  });

  it('applies an update and waits for Ready on the new generation', async () => {
    const ref = refFor('growing-db');
    const handle = await h.provision(ref);
    await h.statusWhen(handle, s => s.phase === 'Ready');
    await h.updateSpec(handle, ref, { size: 'medium' });
    const status = await h.statusWhen(
      handle,
      readyWithParameters({ size: 'medium' }),
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

  it('applies an update over a field someone changed outside it, taking the field back', async () => {
    const ref = refFor('contested-db');
    const handle = await h.provision(ref, { policy: { drift: 'notify' } });
    await h.statusWhen(handle, s => s.phase === 'Ready');
    await h.sim.admin.driftPatch(
      ref,
      { spec: { parameters: { size: 'medium' } } },
      'kubectl-edit',
    );
    await h.statusWhen(handle, s =>
      s.steps.some(step => step.message === 'owner notified; nothing changed'),
    );
    await h.updateSpec(handle, ref, { size: 'large' });
    const status = await h.statusWhen(
      handle,
      readyWithParameters({ size: 'large' }),
    );
    expect(status.lastError).toBeUndefined();
    const claim = await h.kube.get(ref);
    expect(claim!.spec!.parameters.size).toBe('large');
    // The field is this plugin's again: kubectl-edit owns nothing in the spec any more.
    const editor = claim!.metadata.managedFields?.find(
      f => f.manager === 'kubectl-edit',
    );
    expect(JSON.stringify(editor?.fieldsV1 ?? {})).not.toContain('f:size');
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
    const saga = [
      'rollback:started',
      'rollback-apply:succeeded',
      'wait-ready:succeeded',
      'rollback:succeeded',
    ];
    const after = steps.slice(failedAt);
    expect(after.filter(s => saga.includes(s))).toEqual(saga);
  });

  it('deprovisions: deletes, waits until the claim and everything composed are gone, and finishes', async () => {
    const ref = refFor('retired-db');
    const handle = await h.provision(ref);
    const ready = await h.statusWhen(handle, s => s.phase === 'Ready');
    expect(ready.outputs?.composed).toHaveLength(2);
    const parts = [ready.outputs!.composite!, ...ready.outputs!.composed];
    const { lastSeq } = await h.sim.admin.audit();
    // The provider has yet to delete what it manages: its finalizer holds the managed resources
    // until it does, which the test lets it do once it has looked (the claim itself goes at once:
    // Crossplane deletes its composite in the background).
    await h.sim.admin.configureProvider({ held: true });
    await h.deprovision(handle);
    await h.statusWhen(handle, s =>
      stepsOf(s).includes('wait-deleted:started'),
    );
    const instance = ready.outputs!.composed.find(
      c => c.kind === 'DatabaseInstance',
    )!;
    const going = await h.kube.get(instance);
    expect(going?.metadata.deletionTimestamp).toBeDefined();
    expect(going?.metadata.finalizers?.length).toBeGreaterThan(0);
    // The workflow waits for it.
    expect(await handle.query(phaseQuery)).toBe('Deprovisioning');
    await h.sim.admin.configureProvider({ held: false });
    const status = (await handle.result()) as ResourceStatus;
    expect(status.phase).toBe('Deleted');
    expect(stepsOf(status)).toEqual(
      expect.arrayContaining(['delete:succeeded', 'wait-deleted:succeeded']),
    );
    // Gone when the workflow says so: the claim, its composite, every managed resource.
    expect(await h.kube.get(ref)).toBeUndefined();
    for (const part of parts) expect(await h.kube.get(part)).toBeUndefined();
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

  it('deprovisions a resource whose provision is still being validated, applying nothing', async () => {
    const ref = refFor('hasty-db');
    const { lastSeq } = await h.sim.admin.audit();
    const handle = await h.provision(ref);
    await h.statusWhen(handle, s => s.phase === 'Validating');
    await h.deprovision(handle);
    const status = (await handle.result()) as ResourceStatus;
    expect(status.phase).toBe('Deleted');
    expect(stepsOf(status)).toEqual(
      expect.arrayContaining(['provision:skipped', 'wait-deleted:succeeded']),
    );
    // Only the dry run reached the cluster: no claim was ever written.
    const { records } = await h.sim.admin.audit({
      sinceSeq: lastSeq,
      name: 'hasty-db',
      verb: 'patch',
    });
    expect(records.length).toBeGreaterThan(0);
    expect(records.every(r => r.dryRun)).toBe(true);
  });

  it('deprovisions a resource whose provisioning is still waiting for Ready', async () => {
    // The provider acts on nothing until the deprovision has arrived: provisioning still waits.
    await h.sim.admin.configureProvider({ held: true });
    const ref = refFor('impatient-db');
    const handle = await h.provision(ref);
    await h.statusWhen(handle, s => s.phase === 'WaitingForReady');
    await h.deprovision(handle);
    await h.sim.admin.configureProvider({ held: false });
    const status = (await handle.result()) as ResourceStatus;
    expect(status.phase).toBe('Deleted');
    expect(stepsOf(status)).toEqual(
      expect.arrayContaining(['wait-ready:skipped', 'wait-deleted:succeeded']),
    );
  });
});
