/*
 * The worker exposes the Temporal SDK's Prometheus metrics on the configured address
 * (crossplaneTemporal.temporal.metrics.prometheusBindAddress).
 */
import type { ChildProcess } from 'node:child_process';
import {
  startTemporalDevServer,
  type TemporalDevServer,
} from '@crossplane-temporal/temporal-dev-server';
import type { ResourceStatus } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { Client, Connection } from '@temporalio/client';
import { pollUntil } from '../__testUtils__/pollUntil';
import {
  alice,
  refFor,
  startProvision,
  statusWhen,
} from '../__testUtils__/resourceWorkflowHarness';
import {
  startTestCluster,
  type TestCluster,
} from '../__testUtils__/testCluster';
import {
  spawnWorkerProcess,
  stopWorkerProcess,
} from '../__testUtils__/spawnWorkerProcess';
import { unusedPort } from '../__testUtils__/unusedPort';
import { deprovisionUpdate } from '../workflows/definitions';

jest.setTimeout(120_000);

describe('worker metrics', () => {
  let cluster: TestCluster;
  let temporal: TemporalDevServer;
  let worker: ChildProcess;
  let connection: Connection;
  let metricsUrl: string;

  beforeAll(async () => {
    [cluster, temporal] = await Promise.all([
      startTestCluster({ providerDelayMs: 50 }),
      startTemporalDevServer({ logLevel: 'error' }),
    ]);
    const port = await unusedPort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    worker = await spawnWorkerProcess({
      crossplaneTemporal: {
        temporal: {
          address: temporal.address,
          taskQueue: 'metrics-test',
          metrics: { prometheusBindAddress: `127.0.0.1:${port}` },
        },
        clusters: [cluster.clusterConfig],
      },
    });
    connection = await Connection.connect({ address: temporal.address });
  });

  afterAll(async () => {
    if (worker) await stopWorkerProcess(worker, 'SIGTERM');
    await connection?.close();
    await temporal?.stop();
    await cluster?.stop();
  });

  it('serves the SDK metrics for the workflows and activities it ran', async () => {
    const client = new Client({ connection });
    const handle = await startProvision(client, {
      taskQueue: 'metrics-test',
      ref: refFor('metered-db'),
      requestId: 'metered',
    });
    await statusWhen(handle, s => s.phase === 'Ready');
    await handle.executeUpdate(deprovisionUpdate, {
      args: [{ requestId: 'unmetered', requestedBy: alice }],
    });
    expect(((await handle.result()) as ResourceStatus).phase).toBe('Deleted');

    // Workflow tasks and activities were executed and measured, for this task queue. The worker
    // may count the last of them a moment after the server heard of it: scraped until it did.
    const measured = [
      'temporal_workflow_task_execution_latency',
      'temporal_activity_execution_latency',
      'temporal_workflow_completed',
    ];
    const seriesOf = (page: string) =>
      page
        .split('\n')
        .filter(line => line.includes('task_queue="metrics-test"'));
    const missingFrom = (series: string[]) =>
      measured.filter(name => !series.some(line => line.startsWith(name)));
    const series = await pollUntil(
      `the worker's metrics page to have ${measured.join(', ')}`,
      async () => {
        const response = await fetch(metricsUrl);
        expect(response.status).toBe(200);
        return seriesOf(await response.text());
      },
      page => missingFrom(page).length === 0,
      { timeoutMs: 30_000, describe: page => `missing ${missingFrom(page)}` },
    );
    expect(missingFrom(series)).toEqual([]);
  });
});
