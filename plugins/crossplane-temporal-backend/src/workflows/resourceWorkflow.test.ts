/*
 * The resource workflow end to end: the real Temporal worker and client on the dev server, the
 * real cluster clients and watchers on the cluster simulator.
 */
import {
  resourceWorkflowId,
  type ResourceStatus,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import {
  alice,
  localActivitiesIn,
  provisionRequest,
  recordHistory,
  refFor,
  specFor,
  stepsOf,
  useResourceWorkflows,
} from '../__testUtils__/resourceWorkflowHarness';
import { BACKSTAGE_IDENTITY } from '../__testUtils__/testCluster';
import {
  desiredSpecQuery,
  historyQuery,
  lastAppliedSpecQuery,
  pendingApprovalQuery,
  phaseQuery,
  provisionUpdate,
  provisionSignal,
  retryUpdate,
} from './definitions';
import { FailureTypes, type FailureType } from './refusals';

jest.setTimeout(120_000);

describe('resource workflow', () => {
  const h = useResourceWorkflows();

  it('provisions a claim as the requesting user and reports it Ready with its outputs', async () => {
    const ref = refFor('orders-db');
    const { lastSeq } = await h.sim.admin.audit();
    const handle = await h.provision(ref);

    const status = await h.statusWhen(handle, s => s.phase === 'Ready');
    await recordHistory(handle, 'provision');
    expect(status.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Ready', status: 'True' }),
      ]),
    );
    expect(status.outputs?.composed.map(c => c.kind).sort()).toEqual([
      'DatabaseInstance',
      'Network',
    ]);
    expect(status.outputs?.connectionSecret).toMatchObject({
      name: 'orders-db-conn',
      keys: ['endpoint', 'password', 'port', 'username'],
    });
    expect(status.steps.map(s => `${s.step}:${s.outcome}`)).toEqual(
      expect.arrayContaining([
        'validate:succeeded',
        'apply:succeeded',
        'wait-ready:succeeded',
        'record-outputs:succeeded',
      ]),
    );

    // The claim was written by the backend as Alice.
    const { records } = await h.sim.admin.audit({
      sinceSeq: lastSeq,
      name: 'orders-db',
      verb: 'patch',
    });
    expect(records.filter(r => r.code === 201 || r.code === 200)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          user: BACKSTAGE_IDENTITY,
          impersonatedUser: 'alice',
          impersonatedGroups: ['team-alpha'],
        }),
      ]),
    );
  });

  it('validates in an activity of its own and applies and reads within workflow tasks', async () => {
    const handle = await h.provision(refFor('prompt-db'));
    await h.statusWhen(handle, s => s.phase === 'Ready');
    const { events } = await handle.fetchHistory();
    const activities = (events ?? [])
      .map(e => e.activityTaskScheduledEventAttributes?.activityType?.name)
      .filter(Boolean);
    const local = localActivitiesIn(events ?? []).map(a => a.type);
    // A deprovision can still come between validation and apply; the calls whose results the
    // workflow acts on at once cost no round trip through the server and no task of their own.
    expect(activities).toEqual(['validateAndDryRun', 'notify']);
    expect(new Set(local)).toEqual(
      new Set(['applyResource', 'readResourceState']),
    );
  });

  it('answers the queries for each part of its status, and keeps secret values out of them and of its history', async () => {
    const ref = refFor('queried-db');
    const handle = await h.provision(ref);
    const status = await h.statusWhen(handle, s => s.phase === 'Ready');
    expect(await handle.query(phaseQuery)).toBe('Ready');
    expect(await handle.query(desiredSpecQuery)).toEqual(specFor(ref));
    expect(await handle.query(lastAppliedSpecQuery)).toEqual(specFor(ref));
    expect(await handle.query(pendingApprovalQuery)).toBeUndefined();
    expect(await handle.query(historyQuery)).toEqual(status.steps);

    // Read as alice, whose team may read its own secrets (the backend's identity may not).
    const secret = await h.kube.get(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        namespace: ref.namespace,
        name: 'queried-db-conn',
      },
      { as: alice.kubernetes },
    );
    const values = Object.values(secret!.data as Record<string, string>).map(
      v => Buffer.from(v, 'base64').toString('utf8'),
    );
    expect(values.length).toBeGreaterThan(0);
    // Everything the workflow ever held or said, payloads decoded.
    const history = JSON.stringify(await handle.fetchHistory(), (_, v) =>
      v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v,
    );
    for (const value of values) {
      expect(JSON.stringify(status)).not.toContain(value);
      expect(history).not.toContain(value);
    }
  });

  it("fails at once, with the cluster's reason, when the user may not write there", async () => {
    const { lastSeq } = await h.sim.admin.audit();
    const handle = await h.provision(refFor('sneaky-db', 'team-beta'));
    const status = (await handle.result()) as ResourceStatus;
    expect(status.phase).toBe('Failed');
    expect(status.lastError).toContain(
      'User "alice" cannot patch resource "postgresqlinstances"',
    );
    // One refused request: a 403 is not retried.
    const refused = await h.sim.admin.audit({
      sinceSeq: lastSeq,
      name: 'sneaky-db',
    });
    expect(refused.records.map(r => r.code)).toEqual([403]);
  });

  it('fails a spec the XRD does not allow before anything reaches the cluster, saying which field is wrong', async () => {
    const { lastSeq } = await h.sim.admin.audit();
    const handle = await h.provision(refFor('odd-db'), {
      parameters: { size: 'gigantic' },
    });
    const status = (await handle.result()) as ResourceStatus;
    expect(status.phase).toBe('Failed');
    expect(status.lastError).toMatch(/size/);
    expect(status.lastError).toMatch(/small, medium, large|allowed values/);
    expect(stepsOf(status)).toContain('provision:failed');
    const sent = await h.sim.admin.audit({ sinceSeq: lastSeq, name: 'odd-db' });
    expect(sent.records).toEqual([]);
  });

  it('takes a provision as an update: accepted once, the same request again, another refused', async () => {
    const ref = refFor('updated-into-being-db');
    const handle = await h.client.workflow.start('resourceWorkflow', {
      workflowId: resourceWorkflowId(ref),
      taskQueue: h.taskQueue,
      args: [{ ref }],
    });
    const request = provisionRequest(ref, { requestId: 'first-provision' });
    expect(
      await handle.executeUpdate(provisionUpdate, { args: [request] }),
    ).toEqual({ requestId: 'first-provision', firstTime: true });
    // A caller that retries after a lost answer gets the same acceptance, and nothing twice.
    expect(
      await handle.executeUpdate(provisionUpdate, { args: [request] }),
    ).toEqual({ requestId: 'first-provision', firstTime: false });
    const second = await handle
      .executeUpdate(provisionUpdate, {
        args: [{ ...request, requestId: 'second-provision' }],
      })
      .catch(e => e);
    expect(second).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(second.cause.message).toMatch(
      /already provisioned or being provisioned/,
    );
    expect(second.cause.type).toBe(FailureTypes.AlreadyProvisioned);
    expect(second.cause.nonRetryable).toBe(true);
    const status = await h.statusWhen(handle, s => s.phase === 'Ready');
    expect(stepsOf(status).filter(s => s === 'apply:succeeded')).toHaveLength(
      1,
    );

    // A signal cannot be refused: the refusal is a step of the history, and nothing changes.
    await handle.signal(provisionSignal, {
      ...request,
      requestId: 'signalled-provision',
    });
    const after = await h.statusWhen(handle, s =>
      s.steps.some(step => step.requestId === 'signalled-provision'),
    );
    expect(
      after.steps.filter(step => step.requestId === 'signalled-provision'),
    ).toEqual([
      expect.objectContaining({
        step: 'request',
        outcome: 'failed',
        requestId: 'signalled-provision',
        message: expect.stringMatching(
          /^provision refused: .* is already provisioned or being provisioned \(phase Ready\)/,
        ),
      }),
    ]);
    expect(after.phase).toBe('Ready');
  });

  it('retries a failed provision on request, and refuses a retry when nothing failed', async () => {
    const ref = refFor('second-chance-db');
    await h.sim.admin.configureProvider({
      failures: [
        {
          kind: 'DatabaseInstance',
          namePattern: '^second-chance-db',
          message: 'no capacity in eu-west-1a',
        },
      ],
    });
    const handle = await h.provision(ref, {
      policy: { readyTimeoutSeconds: 600 },
    });
    try {
      await h.statusWhen(handle, s => s.phase === 'Failed');
    } finally {
      await h.sim.admin.configureProvider({ failures: [] });
    }
    const retry = { requestId: 'retry-1', requestedBy: 'user:default/alice' };
    expect(await handle.executeUpdate(retryUpdate, { args: [retry] })).toEqual({
      requestId: 'retry-1',
      firstTime: true,
    });
    const status = await h.statusWhen(handle, s => s.phase === 'Ready');
    expect(status.lastError).toBeUndefined();
    const refused = await handle
      .executeUpdate(retryUpdate, {
        args: [{ ...retry, requestId: 'retry-2' }],
      })
      .catch(e => e);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(refused.cause.message).toMatch(/nothing to retry/);
    expect(refused.cause.type).toBe(FailureTypes.NothingToRetry);
  });

  it('refuses updates and deprovisions that cannot apply, saying why, and changes nothing', async () => {
    const refused = async (promise: Promise<unknown>, type: FailureType) => {
      const error: any = await promise.catch(e => e);
      expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(error.cause.type).toBe(type);
      return error.cause.message as string;
    };
    const ref = refFor('guarded-db');
    const handle = await h.client.workflow.start('resourceWorkflow', {
      workflowId: resourceWorkflowId(ref),
      taskQueue: h.taskQueue,
      args: [{ ref }],
    });
    expect(
      await refused(
        h.updateSpec(handle, ref, { size: 'medium' }),
        FailureTypes.NotProvisioned,
      ),
    ).toBe(
      'PostgreSQLInstance team-alpha/guarded-db is not provisioned (phase Pending); provision it first',
    );

    await handle.executeUpdate(provisionUpdate, {
      args: [provisionRequest(ref, { requestId: 'guarded-provision' })],
    });
    await h.statusWhen(handle, s => s.phase === 'Ready');
    expect(
      await refused(
        h.update(handle, ['not', 'a', 'spec'] as any),
        FailureTypes.InvalidRequest,
      ),
    ).toBe('spec must be an object');

    // The provider deletes nothing until the test lets it: the deprovision is still running
    // when the next requests arrive.
    await h.sim.admin.configureProvider({ held: true });
    try {
      await h.deprovision(handle);
      expect(
        await refused(h.deprovision(handle), FailureTypes.BeingDeprovisioned),
      ).toBe(
        'PostgreSQLInstance team-alpha/guarded-db is already being deprovisioned',
      );
      expect(
        await refused(
          h.updateSpec(handle, ref, { size: 'large' }),
          FailureTypes.BeingDeprovisioned,
        ),
      ).toBe('PostgreSQLInstance team-alpha/guarded-db is being deprovisioned');
    } finally {
      await h.sim.admin.configureProvider({ held: false });
    }
    const status = (await handle.result()) as ResourceStatus;
    expect(status.phase).toBe('Deleted');
    expect(status.lastGoodSpec).toEqual(specFor(ref));
  });
});
