/*
 * Graceful shutdown: a worker process told to stop (SIGTERM, as a deployment stops it) stops its
 * watchers, lets the activity or local activity it is running finish and report, and exits
 * cleanly; the next worker carries the workflow on from there without running it again.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResourceStatus } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import {
  startTemporalDevServer,
  type TemporalDevServer,
} from '@crossplane-temporal/temporal-dev-server';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { pollUntil } from '../__testUtils__/pollUntil';
import {
  refFor,
  startProvision,
  statusWhen,
} from '../__testUtils__/resourceWorkflowHarness';
import {
  spawnWorkerProcess,
  stopWorkerProcess,
  writeWorkflowBundle,
} from '../__testUtils__/spawnWorkerProcess';
import {
  startTestCluster,
  type TestCluster,
} from '../__testUtils__/testCluster';

jest.setTimeout(120_000);

const TASK_QUEUE = 'shutdown-test';
const { PendingActivityState } = proto.api.enums.v1;

describe('a worker told to stop', () => {
  let cluster: TestCluster;
  let temporal: TemporalDevServer;
  let connection: Connection;
  let client: Client;
  let dir: string;
  let appConfig: object;
  /** The worker processes a test started; any still running after it are killed. */
  const workers: ChildProcess[] = [];

  const startWorker = async () => {
    const worker = await spawnWorkerProcess(appConfig);
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    [cluster, temporal] = await Promise.all([
      startTestCluster(),
      startTemporalDevServer({ logLevel: 'error' }),
    ]);
    dir = mkdtempSync(join(tmpdir(), 'shutdown-test-'));
    appConfig = {
      crossplaneTemporal: {
        temporal: {
          address: temporal.address,
          taskQueue: TASK_QUEUE,
          worker: {
            workflowBundlePath: await writeWorkflowBundle(
              join(dir, 'workflow-bundle.js'),
            ),
          },
        },
        clusters: [cluster.clusterConfig],
      },
    };
    connection = await Connection.connect({ address: temporal.address });
    client = new Client({ connection });
  });

  // A test that failed half way leaves no worker to take the next test's workflows.
  afterEach(async () => {
    await Promise.all(
      workers.splice(0).map(worker => stopWorkerProcess(worker, 'SIGKILL')),
    );
  });

  afterAll(async () => {
    await connection?.close();
    await temporal?.stop();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The activity the workflow has running on a worker, once there is one. */
  async function runningActivity(handle: WorkflowHandle) {
    const isRunning = (a: proto.api.workflow.v1.IPendingActivityInfo) =>
      a.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
    const pending = await pollUntil(
      `an activity of ${handle.workflowId} to run`,
      async () => (await handle.describe()).raw.pendingActivities ?? [],
      activities => activities.some(isRunning),
      { intervalMs: 20 },
    );
    return pending.find(isRunning)!;
  }

  /** Once a worker has started the workflow task that follows validation (its first activity). */
  async function applying(handle: WorkflowHandle) {
    await pollUntil(
      `a workflow task of ${handle.workflowId} after its validation`,
      async () => (await handle.fetchHistory()).events ?? [],
      events => {
        const validatedAt = events.findIndex(
          e => e.activityTaskCompletedEventAttributes,
        );
        return (
          validatedAt !== -1 &&
          events
            .slice(validatedAt)
            .some(e => e.workflowTaskStartedEventAttributes)
        );
      },
      {
        intervalMs: 20,
        describe: events => `${events.length} events`,
      },
    );
  }

  /** The cluster answers promptly again, and the next worker takes the workflow on to Ready. */
  async function readyOnTheNextWorker(handle: WorkflowHandle) {
    await cluster.sim.admin.setFaults({});
    const next = await startWorker();
    try {
      const status: ResourceStatus = await statusWhen(
        handle,
        s => s.phase === 'Ready',
      );
      expect(status.phase).toBe('Ready');
    } finally {
      await stopWorkerProcess(next, 'SIGTERM');
    }
  }

  it('finishes the activity it is running, reports it, and exits cleanly', async () => {
    // Every call about the claim takes 1.5 s: long enough to stop the worker in the middle.
    await cluster.sim.admin.setFaults({
      latencyMs: 1_500,
      pathIncludes: ['/postgresqlinstances/unhurried-db'],
    });
    const first = await startWorker();
    const handle = await startProvision(client, {
      taskQueue: TASK_QUEUE,
      ref: refFor('unhurried-db'),
      requestId: 'provision-unhurried-db',
    });
    const running = await runningActivity(handle);
    await stopWorkerProcess(first, 'SIGTERM');
    expect(first.exitCode).toBe(0);

    // What it was running finished on that worker, on its first attempt.
    const { events } = await handle.fetchHistory();
    const scheduled = events!.find(
      e =>
        e.activityTaskScheduledEventAttributes?.activityId ===
        running.activityId,
    )!;
    const of = (e: any) =>
      Number(e?.scheduledEventId ?? -1) === Number(scheduled.eventId);
    expect(
      events!.find(e => of(e.activityTaskCompletedEventAttributes)),
    ).toBeDefined();
    expect(
      events!.find(e => of(e.activityTaskStartedEventAttributes))
        ?.activityTaskStartedEventAttributes?.attempt,
    ).toBe(1);

    await readyOnTheNextWorker(handle);
  });

  it('finishes the local activity its workflow task runs, so the next worker does not apply again', async () => {
    await cluster.sim.admin.setFaults({
      latencyMs: 1_500,
      pathIncludes: ['/postgresqlinstances/unhurried-apply-db'],
    });
    const { lastSeq } = await cluster.sim.admin.audit();
    const first = await startWorker();
    const handle = await startProvision(client, {
      taskQueue: TASK_QUEUE,
      ref: refFor('unhurried-apply-db'),
      requestId: 'provision-unhurried-apply-db',
    });
    // Validated, and the worker runs the next workflow task: its apply, a local activity that
    // takes 1.5 s.
    await applying(handle);
    await stopWorkerProcess(first, 'SIGTERM');
    expect(first.exitCode).toBe(0);

    await readyOnTheNextWorker(handle);
    const { records } = await cluster.sim.admin.audit({
      sinceSeq: lastSeq,
      name: 'unhurried-apply-db',
      verb: 'patch',
    });
    // The dry run, then one apply: the stopping worker finished it and reported it.
    expect(
      records.map(r => ({ code: r.code, dryRun: Boolean(r.dryRun) })),
    ).toEqual([
      { code: 201, dryRun: true },
      { code: 201, dryRun: false },
    ]);
  });
});
