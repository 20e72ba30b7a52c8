/*
 * The conformance suite's harness: every scenario runs a real Worker and Client against the dev
 * server, or, when TEMPORAL_ADDRESS is set, against that Temporal server instead, so the same
 * scenarios show every difference between the two.
 */
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  type LogLevel,
  NativeConnection,
  Runtime,
  Worker,
  type WorkerOptions,
} from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import * as activities from './activities';
import { startTemporalDevServer, type TemporalDevServer } from '..';

export interface Conformance {
  client: Client;
  address: string;
  taskQueue: string;
  /** A workflow ID unique to this run of the suite. */
  id(name: string): string;
  /** A task queue name unique to this run of the suite. */
  queue(name: string): string;
  /**
   * Starts another worker of the scenario workflows (on a task queue of its own, say); it stops
   * with `stop()`, or after the file's tests.
   */
  startWorker(options: Partial<WorkerOptions>): Promise<RunningWorker>;
}

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

let runtimeInstalled = false;
let bundle: Promise<{ code: string }> | undefined;

/** The scenario workflows, bundled once for every worker of a test file (bundling takes a second). */
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows'),
    logger: new DefaultLogger('ERROR'),
  });
  return bundle;
}

/** The SDK's runtime, logging errors only (TEMPORAL_LOG_LEVEL=WARN etc. to see more). */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  const level = (process.env.TEMPORAL_LOG_LEVEL as LogLevel) ?? 'ERROR';
  Runtime.install({
    logger: new DefaultLogger(level),
    // The SDK core's logs too (it warns of every workflow task a scenario fails on purpose).
    telemetryOptions: {
      logging: { forward: {}, filter: { core: level, other: level } },
    },
  });
  runtimeInstalled = true;
}

/** Starts a server (unless TEMPORAL_ADDRESS names one) and a worker for a test file. */
export function useConformance(name: string): Conformance {
  const taskQueue = `${name}-${randomUUID().slice(0, 8)}`;
  const context = {
    taskQueue,
    id: (workflow: string) => `${workflow}-${randomUUID().slice(0, 8)}`,
    queue: (purpose: string) => `${purpose}-${randomUUID().slice(0, 8)}`,
  } as Conformance;
  let server: TemporalDevServer | undefined;
  let worker: Worker;
  let running: Promise<void>;
  let workerConnection: NativeConnection;
  let connection: Connection;
  const extraWorkers = new Set<RunningWorker>();

  context.startWorker = async options => {
    const extra = await Worker.create({
      connection: workerConnection,
      taskQueue: context.queue('extra'),
      workflowBundle: await workflowBundle(),
      activities,
      ...options,
    });
    const run = extra.run();
    const started: RunningWorker = {
      worker: extra,
      stop: async () => {
        extraWorkers.delete(started);
        if (extra.getState() === 'RUNNING') extra.shutdown();
        await run;
      },
    };
    extraWorkers.add(started);
    return started;
  };

  beforeAll(async () => {
    installQuietRuntime();
    const external = process.env.TEMPORAL_ADDRESS;
    if (!external) server = await startTemporalDevServer({ logLevel: 'error' });
    context.address = external ?? server!.address;
    workerConnection = await NativeConnection.connect({
      address: context.address,
    });
    worker = await Worker.create({
      connection: workerConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities,
      // Short enough that timeouts and sticky fallbacks show within a test.
      stickyQueueScheduleToStartTimeout: '2s',
    });
    running = worker.run();
    connection = await Connection.connect({ address: context.address });
    context.client = new Client({ connection });
  });

  afterAll(async () => {
    for (const extra of [...extraWorkers]) await extra.stop();
    worker?.shutdown();
    await running;
    await workerConnection?.close();
    await connection?.close();
    await server?.stop();
  });

  return context;
}
