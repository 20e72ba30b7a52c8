/*
 * The dev server driven by the unmodified @temporalio/worker and client: workflow tasks,
 * activities with retries, timers, signals and failures.
 */
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import * as activities from './__testUtils__/activities';
import { installQuietRuntime } from './__testUtils__/conformance';
import { startTemporalDevServer, type TemporalDevServer } from '.';

jest.setTimeout(120_000);

const TASK_QUEUE = 'worker-test';

describe('temporal dev server with a Temporal worker', () => {
  let server: TemporalDevServer;
  let worker: Worker;
  let running: Promise<void>;
  let workerConnection: NativeConnection;
  let connection: Connection;
  let client: Client;
  let counter = 0;
  const id = (name: string) => `${name}-${++counter}`;

  beforeAll(async () => {
    installQuietRuntime();
    server = await startTemporalDevServer({ logLevel: 'error' });
    workerConnection = await NativeConnection.connect({
      address: server.address,
    });
    worker = await Worker.create({
      connection: workerConnection,
      taskQueue: TASK_QUEUE,
      workflowsPath: require.resolve('./__testUtils__/workflows'),
      activities,
    });
    running = worker.run();
    connection = await Connection.connect({ address: server.address });
    client = new Client({ connection });
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await workerConnection?.close();
    await connection?.close();
    await server?.stop();
  });

  it('runs a workflow that calls an activity', async () => {
    const result = await client.workflow.execute('greeting', {
      taskQueue: TASK_QUEUE,
      workflowId: id('greeting'),
      args: ['bob'],
    });
    expect(result).toBe('hello bob');
  });

  it('fires timers', async () => {
    const handle = await client.workflow.start('napping', {
      taskQueue: TASK_QUEUE,
      workflowId: id('napping'),
      args: [50],
    });
    expect(await handle.result()).toBe('rested');
    const history = JSON.stringify(await handle.fetchHistory());
    expect(history).toContain('timerFiredEventAttributes');
  });

  it('delivers signals', async () => {
    const handle = await client.workflow.start('awaitingApproval', {
      taskQueue: TASK_QUEUE,
      workflowId: id('approval'),
    });
    await handle.signal('approve', 'pat');
    expect(await handle.result()).toBe('approved by pat');
  });

  it('signal-with-start starts once and signals, answers queries, and cancels a timer that is no longer needed', async () => {
    const workflowId = id('counting');
    const start = () =>
      client.workflow.signalWithStart('counting', {
        taskQueue: TASK_QUEUE,
        workflowId,
        args: [3],
        signal: 'increment',
        signalArgs: [1],
      });
    const first = await start();
    const second = await start();
    expect(second.signaledRunId).toBe(first.signaledRunId);
    // The query waits for the workflow to have seen both signals.
    expect(await first.query<number>('count')).toBe(2);
    await first.signal('increment', 1);
    expect(await first.result()).toBe(3);
    const history = JSON.stringify(await first.fetchHistory());
    expect(history).toContain('timerCanceledEventAttributes');
  });

  it('retries a failing activity by its policy', async () => {
    const result = await client.workflow.execute('retrying', {
      taskQueue: TASK_QUEUE,
      workflowId: id('retrying'),
      args: [2],
    });
    expect(result).toBe('succeeded on attempt 3');
  });

  it('reports a workflow failure with its type and message', async () => {
    const workflowId = id('failing');
    const error = await client.workflow
      .execute('failing', { taskQueue: TASK_QUEUE, workflowId })
      .catch(e => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(error.cause).toMatchObject({
      type: 'QuotaExceeded',
      message: 'no more databases in this region',
    });
    expect(
      (await client.workflow.getHandle(workflowId).describe()).status.name,
    ).toBe('FAILED');
  });
});
