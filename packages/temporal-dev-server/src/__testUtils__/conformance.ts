/*
 * The conformance suite's harness: every scenario runs a real Worker and Client against the dev
 * server, or, when TEMPORAL_ADDRESS is set, against that Temporal server instead, so the same
 * scenarios show every difference between the two.
 */
import { Client, Connection } from '@temporalio/client';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
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
}

let runtimeInstalled = false;

/** The SDK's runtime, logging errors only (TEMPORAL_LOG_LEVEL=WARN etc. to see more). */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({
    logger: new DefaultLogger(
      (process.env.TEMPORAL_LOG_LEVEL as any) ?? 'ERROR',
    ),
  });
  runtimeInstalled = true;
}

/** Starts a server (unless TEMPORAL_ADDRESS names one) and a worker for a test file. */
export function useConformance(name: string): Conformance {
  const taskQueue = `${name}-${randomUUID().slice(0, 8)}`;
  const context = {
    taskQueue,
    id: (workflow: string) => `${workflow}-${randomUUID().slice(0, 8)}`,
  } as Conformance;
  let server: TemporalDevServer | undefined;
  let worker: Worker;
  let running: Promise<void>;
  let workerConnection: NativeConnection;
  let connection: Connection;

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
      workflowsPath: require.resolve('./workflows'),
      activities,
      // Short enough that timeouts and sticky fallbacks show within a test.
      stickyQueueScheduleToStartTimeout: '2s',
    });
    running = worker.run();
    connection = await Connection.connect({ address: context.address });
    context.client = new Client({ connection });
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await workerConnection?.close();
    await connection?.close();
    await server?.stop();
  });

  return context;
}
