/*
 * Starting the resource worker: a cluster that cannot be reached leaves the worker and the other
 * clusters' watchers running; a start that fails lets go of everything it had set up.
 */
import { ConfigReader } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import {
  startTemporalDevServer,
  type TemporalDevServer,
} from '@crossplane-temporal/temporal-dev-server';
import { Client, Connection } from '@temporalio/client';
import { startConnectionCountingProxy } from '../__testUtils__/connectionCountingProxy';
import { recordingLogger } from '../__testUtils__/recordingLogger';
import {
  EVENT_DRIVEN,
  observedSignals,
  refFor,
  startProvision,
  statusWhen,
} from '../__testUtils__/resourceWorkflowHarness';
import {
  startTestCluster,
  type TestCluster,
} from '../__testUtils__/testCluster';
import { unusedPort } from '../__testUtils__/unusedPort';
import { startResourceWorker } from './startResourceWorker';

jest.setTimeout(120_000);

describe('starting the resource worker', () => {
  let cluster: TestCluster;
  let temporal: TemporalDevServer;
  let connection: Connection;
  let client: Client;

  beforeAll(async () => {
    [cluster, temporal] = await Promise.all([
      startTestCluster(),
      startTemporalDevServer({ logLevel: 'error' }),
    ]);
    connection = await Connection.connect({ address: temporal.address });
    client = new Client({ connection });
  });

  afterAll(async () => {
    await connection?.close();
    await temporal?.stop();
    await cluster?.stop();
  });

  const configFor = (temporalConfig: JsonObject, clusters: JsonObject[]) =>
    new ConfigReader({
      crossplaneTemporal: { temporal: temporalConfig, clusters },
    });

  it('runs the workflows and watches the clusters that answer while one cannot be reached', async () => {
    const taskQueue = 'one-cluster-unreachable';
    const port = await unusedPort();
    const logger = recordingLogger();
    const worker = await startResourceWorker({
      config: configFor({ address: temporal.address, taskQueue }, [
        cluster.clusterConfig,
        {
          ...cluster.clusterConfig,
          name: 'unreachable',
          url: `http://127.0.0.1:${port}`,
        },
      ]),
      logger,
    });
    try {
      const failure = await logger.logged(
        l =>
          l.message ===
            'could not discover what to watch in the cluster; trying again' &&
          l.fields.cluster === 'unreachable',
      );
      expect(failure.level).toBe('warn');
      expect(failure.fields.error).toContain(
        `cluster unreachable could not be reached: connect ECONNREFUSED 127.0.0.1:${port}`,
      );

      // The workflow reads the cluster on its own only every ten minutes: it sees the claim get
      // Ready through the watchers of the cluster that answers.
      const handle = await startProvision(client, {
        taskQueue,
        ref: refFor('reached-db'),
        requestId: 'provision-reached-db',
        workflowOptions: EVENT_DRIVEN,
      });
      const ready = await statusWhen(handle, s => s.phase === 'Ready', 30_000);
      expect(ready.outputs?.composed.length).toBeGreaterThan(0);
      expect((await observedSignals(handle)).length).toBeGreaterThan(0);
    } finally {
      // Held up by nothing the unreachable cluster has pending (its next try, a request's 30 s
      // timeout): about 100 ms on an idle machine; half the request timeout is the bound that
      // still tells the two apart on a busy one.
      const stopping = Date.now();
      await worker.stop();
      expect(Date.now() - stopping).toBeLessThan(15_000);
    }
  });

  it('lets go of its connections when a step after connecting fails, with an error that says which', async () => {
    const proxy = await startConnectionCountingProxy(temporal.address);
    try {
      const failed = await startResourceWorker({
        config: configFor(
          {
            address: proxy.address,
            taskQueue: 'bundle-missing',
            worker: { workflowBundlePath: '/nonexistent/workflow-bundle.js' },
          },
          [cluster.clusterConfig],
        ),
        logger: recordingLogger(),
      }).then(
        () => undefined,
        (error: Error) => error,
      );
      // It had connected, for the worker and for the watchers' signals, and closed both again.
      await proxy.noneOpen();
      expect(proxy.accepted).toBeGreaterThanOrEqual(2);
      expect(failed?.message).toContain(
        'could not create the Temporal worker for task queue bundle-missing: crossplaneTemporal.temporal.worker.workflowBundlePath: cannot read the workflow bundle /nonexistent/workflow-bundle.js: ENOENT',
      );
    } finally {
      await proxy.stop();
    }
  });
});
