/*
 * The resource workflow end to end: the real Temporal worker and client on the dev server, the
 * real cluster clients and watchers on the cluster simulator.
 */
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  resourceWorkflowId,
  type ProvisionRequest,
  type ResourceRef,
  type ResourceStatus,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { KubeSim } from '@crossplane-temporal/kube-sim';
import {
  BACKSTAGE_IDENTITY,
  startTestCluster,
  type TestCluster,
} from '../__testUtils__/testCluster';
import {
  startTemporalDevServer,
  type TemporalDevServer,
} from '@crossplane-temporal/temporal-dev-server';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { startResourceWorker } from '../worker/startResourceWorker';
import { provisionSignal, statusQuery } from './definitions';
import { recordHistory } from '../__testUtils__/resourceWorkflowHarness';

jest.setTimeout(120_000);

const TASK_QUEUE = 'resource-workflow-test';

const alice = {
  userEntityRef: 'user:default/alice',
  ownershipEntityRefs: ['user:default/alice', 'group:default/team-alpha'],
  kubernetes: { user: 'alice', groups: ['team-alpha'] },
};

const refFor = (name: string, namespace = 'team-alpha'): ResourceRef => ({
  cluster: 'local',
  apiVersion: 'database.example.org/v1alpha1',
  kind: 'PostgreSQLInstance',
  namespace,
  name,
});

describe('resource workflow', () => {
  let sim: KubeSim;
  let temporal: TemporalDevServer;
  let worker: { stop(): Promise<void> };
  let connection: Connection;
  let client: Client;
  let cluster: TestCluster;

  beforeAll(async () => {
    [cluster, temporal] = await Promise.all([
      startTestCluster({ providerDelayMs: 50 }),
      startTemporalDevServer({ logLevel: 'error' }),
    ]);
    sim = cluster.sim;
    worker = await startResourceWorker({
      config: new ConfigReader({
        crossplaneTemporal: {
          temporal: { address: temporal.address, taskQueue: TASK_QUEUE },
          clusters: [cluster.clusterConfig],
        },
      }),
      logger: mockServices.logger.mock(),
    });
    connection = await Connection.connect({ address: temporal.address });
    client = new Client({ connection });
  });

  afterAll(async () => {
    await worker?.stop();
    await connection?.close();
    await temporal?.stop();
    await cluster?.stop();
  });

  const provision = (ref: ResourceRef, requestId: string) => {
    const request: ProvisionRequest = {
      requestId,
      requestedBy: alice,
      ref,
      spec: {
        parameters: { size: 'small' },
        writeConnectionSecretToRef: { name: `${ref.name}-conn` },
      },
      owner: 'group:default/team-alpha',
      component: 'component:default/checkout-service',
      policy: { drift: 'repair', readyTimeoutSeconds: 60 },
    };
    return client.workflow.signalWithStart('resourceWorkflow', {
      workflowId: resourceWorkflowId(ref),
      taskQueue: TASK_QUEUE,
      args: [{ ref }],
      signal: provisionSignal,
      signalArgs: [request],
    });
  };

  /** The workflow's status once `done` holds; queries are the only way to see it change. */
  async function statusWhen(
    handle: WorkflowHandle,
    done: (s: ResourceStatus) => boolean,
  ): Promise<ResourceStatus> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const status = await handle.query(statusQuery);
      if (done(status)) return status;
      if (Date.now() > deadline)
        throw new Error(
          `still ${status.phase}: ${JSON.stringify(status.steps.slice(-3))}`,
        );
      await new Promise(resolve => setTimeout(resolve, 100));
    }
  }

  it('provisions a claim as the requesting user and reports it Ready with its outputs', async () => {
    const ref = refFor('orders-db');
    const { lastSeq } = await sim.admin.audit();
    const handle = await provision(ref, 'request-1');

    const status = await statusWhen(handle, s => s.phase === 'Ready');
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
    const { records } = await sim.admin.audit({
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
    const handle = await provision(
      refFor('sneaky-db', 'team-beta'),
      'request-2',
    );
    const status = (await handle.result()) as ResourceStatus;
    expect(status.phase).toBe('Failed');
    expect(status.lastError).toContain(
      'User "alice" cannot patch resource "postgresqlinstances"',
    );
  });
});
