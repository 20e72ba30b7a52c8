/*
 * The resource workflow end to end: the real Temporal worker and client on the dev server, the
 * real cluster clients and watchers on the cluster simulator.
 */
import type { ResourceStatus } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import {
  recordHistory,
  refFor,
  useResourceWorkflows,
} from '../__testUtils__/resourceWorkflowHarness';
import { BACKSTAGE_IDENTITY } from '../__testUtils__/testCluster';

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

  it("fails at once, with the cluster's reason, when the user may not write there", async () => {
    const handle = await h.provision(refFor('sneaky-db', 'team-beta'));
    const status = (await handle.result()) as ResourceStatus;
    expect(status.phase).toBe('Failed');
    expect(status.lastError).toContain(
      'User "alice" cannot patch resource "postgresqlinstances"',
    );
  });
});
