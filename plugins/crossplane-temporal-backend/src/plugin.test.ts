/*
 * The worker plugins inside a real Backstage backend: the worker starts with the backend, runs
 * the resource workflows, keeps the backend serving while Temporal is unreachable, and stops with it.
 */
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  resourceWorkflowId,
  type ResourceStatus,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import {
  startTemporalDevServer,
  type TemporalDevServer,
} from '@crossplane-temporal/temporal-dev-server';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startTestCluster,
  type TestCluster,
} from './__testUtils__/testCluster';
import { provisionSignal, statusQuery } from './workflows/definitions';
import { crossplaneTemporalWorkerPlugin } from './plugin';

jest.setTimeout(120_000);

describe('worker plugin', () => {
  let cluster: TestCluster;
  let temporal: TemporalDevServer;
  let dir: string;
  let workflowBundlePath: string;

  beforeAll(async () => {
    // Production workers load a pre-built workflow bundle; build one as packages/worker does.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workflow-bundle-'));
    workflowBundlePath = path.join(dir, 'workflow-bundle.js');
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('./workflows'),
      logger: new DefaultLogger('WARN'),
    });
    fs.writeFileSync(workflowBundlePath, code);
    [cluster, temporal] = await Promise.all([
      startTestCluster(),
      startTemporalDevServer({ logLevel: 'error' }),
    ]);
  });

  afterAll(async () => {
    await temporal?.stop();
    await cluster?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs the resource workflows from a pre-built bundle for as long as the backend runs', async () => {
    const taskQueue = 'plugin-test';
    const backend = await startTestBackend({
      features: [
        crossplaneTemporalWorkerPlugin,
        mockServices.rootConfig.factory({
          data: {
            crossplaneTemporal: {
              temporal: {
                address: temporal.address,
                taskQueue,
                worker: { workflowBundlePath },
              },
              clusters: [cluster.clusterConfig],
            },
          },
        }),
      ],
    });
    const connection = await Connection.connect({ address: temporal.address });
    try {
      const client = new Client({ connection });
      const ref = {
        cluster: 'local',
        apiVersion: 'messaging.example.org/v1alpha1',
        kind: 'Queue',
        namespace: 'team-beta',
        name: 'invoices',
      };
      const handle = await client.workflow.signalWithStart('resourceWorkflow', {
        workflowId: resourceWorkflowId(ref),
        taskQueue,
        args: [{ ref }],
        signal: provisionSignal,
        signalArgs: [
          {
            requestId: 'plugin-test-1',
            requestedBy: {
              userEntityRef: 'user:default/bob',
              ownershipEntityRefs: ['group:default/team-beta'],
              kubernetes: { user: 'bob', groups: ['team-beta'] },
            },
            ref,
            spec: { parameters: { fifo: true } },
            owner: 'group:default/team-beta',
            policy: { drift: 'notify', readyTimeoutSeconds: 60 },
          },
        ],
      });
      // A v2 namespaced composite, provisioned by the worker the backend started.
      let status: ResourceStatus = await handle.query(statusQuery);
      const deadline = Date.now() + 60_000;
      while (status.phase !== 'Ready' && Date.now() < deadline) {
        await new Promise(resolve => setTimeout(resolve, 100));
        status = await handle.query(statusQuery);
      }
      expect(status.phase).toBe('Ready');
      expect(status.outputs?.composed.map(c => c.kind)).toEqual([
        'QueueInstance',
      ]);
    } finally {
      await connection.close();
      await backend.stop();
    }
  });

  it('starts while Temporal is unreachable and stops promptly', async () => {
    const logger = mockServices.logger.mock();
    const backend = await startTestBackend({
      features: [
        crossplaneTemporalWorkerPlugin,
        logger.factory,
        mockServices.rootConfig.factory({
          data: {
            crossplaneTemporal: {
              temporal: { address: '127.0.0.1:1' },
              clusters: [cluster.clusterConfig],
            },
          },
        }),
      ],
    });
    await backend.stop();
    expect(logger.warn).toHaveBeenCalledWith(
      'could not start the resource worker; retrying',
      expect.objectContaining({ attempt: 1 }),
    );
  });
});
