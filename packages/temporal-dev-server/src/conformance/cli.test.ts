/*
 * Conformance: the `temporal server start-dev` command line, as @temporalio/testing spawns it
 * (with its search attributes and UI port), and durability with --db-filename across a `kill -9`
 * of the server: pending timers and retries, and an activity that was running.
 */
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker } from '@temporalio/worker';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as activities from '../__testUtils__/activities';
import { gate } from '../__testUtils__/activities';
import {
  installQuietRuntime,
  workflowBundle,
} from '../__testUtils__/conformance';
import { EventType, ofType, waitFor } from '../__testUtils__/history';
import { BIN, exited, freePort, spawnReady } from '../__testUtils__/process';
import { sizeKey, tierKey } from '../__testUtils__/workflows';

jest.setTimeout(120_000);

// These scenarios spawn this package's own executables; against a real server they do not apply.
const describeLocal = process.env.TEMPORAL_ADDRESS ? describe.skip : describe;

describeLocal('the temporal command line', () => {
  beforeAll(installQuietRuntime);

  it('is started by TestWorkflowEnvironment.createLocal as an existing-path executable', async () => {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: join(BIN, 'temporal') },
        namespace: 'testing',
        searchAttributes: [],
      },
    });
    try {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        namespace: 'testing',
        taskQueue: 'cli',
        workflowBundle: await workflowBundle(),
        activities,
      });
      const result = await worker.runUntil(
        env.client.workflow.execute('greeting', {
          taskQueue: 'cli',
          workflowId: 'cli-greeting',
          args: ['cli'],
        }),
      );
      expect(result).toBe('hello cli');
    } finally {
      await env.teardown();
    }
  });

  it('registers the search attributes createLocal asks for, and takes its UI port', async () => {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: join(BIN, 'temporal') },
        // Passed as --search-attribute Tier=Keyword --search-attribute SizeGb=Int --ui-port P.
        searchAttributes: [tierKey, sizeKey],
        uiPort: await freePort(),
      },
    });
    try {
      const { customAttributes } =
        await env.connection.operatorService.listSearchAttributes({
          namespace: 'default',
        });
      expect(customAttributes).toMatchObject({ Tier: 2, SizeGb: 3 }); // Keyword, Int
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'cli-attributes',
        workflowBundle: await workflowBundle(),
        activities,
      });
      // The workflow upserts both attributes; a query by them finds it.
      await worker.runUntil(
        env.client.workflow.execute('tagging', {
          taskQueue: 'cli-attributes',
          workflowId: 'cli-tagging',
          args: ['gold', 10],
        }),
      );
      const found: string[] = [];
      for await (const info of env.client.workflow.list({
        query: `Tier = 'gold' AND SizeGb = 10`,
      }))
        found.push(info.workflowId);
      expect(found).toEqual(['cli-tagging']);
    } finally {
      await env.teardown();
    }
  });

  it('skips time in TestWorkflowEnvironment.createTimeSkipping with the existing-path test server', async () => {
    const env = await TestWorkflowEnvironment.createTimeSkipping({
      server: {
        executable: {
          type: 'existing-path',
          path: join(BIN, 'temporal-test-server'),
        },
      },
    });
    try {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'skipping',
        workflowBundle: await workflowBundle(),
        activities,
      });
      const day = 24 * 3600 * 1000;
      const before = await env.currentTimeMs();
      // A workflow that sleeps for a day completes: the server skipped the day.
      const result = await worker.runUntil(
        env.client.workflow.execute('napping', {
          taskQueue: 'skipping',
          workflowId: 'skipping-nap',
          args: [day],
        }),
      );
      expect(result).toBe('rested');
      const afterNap = await env.currentTimeMs();
      expect(afterNap - before).toBeGreaterThanOrEqual(day);
      // env.sleep moves server time too.
      await env.sleep('2 hours');
      expect((await env.currentTimeMs()) - afterNap).toBeGreaterThanOrEqual(
        2 * 3600 * 1000,
      );
    } finally {
      await env.teardown();
    }
  });

  it('keeps running workflows, timers and activity retries across a kill -9 with --db-filename', async () => {
    await withDurableServer('durable', async ({ client, killAndRestart }) => {
      const handle = await client.workflow.start('survivor', {
        taskQueue: 'durable',
        workflowId: 'survivor',
      });
      // Kill the server while the activity waits for its retry and the timer runs.
      await waitFor(
        'a pending retry of the activity and a started timer',
        async () => {
          const { raw } = await handle.describe();
          const events = (await handle.fetchHistory()).events!;
          return (
            raw.pendingActivities?.[0]?.attempt === 2 &&
            ofType(events, EventType.EVENT_TYPE_TIMER_STARTED).length > 0
          );
        },
      );
      expect(await killAndRestart()).toMatch(/1 runs restored/);

      expect(await handle.result()).toEqual([
        'activity succeeded on attempt 2',
        'timer fired',
      ]);
      const events = (await handle.fetchHistory()).events!;
      // One workflow start, one timer fired, one activity completed: nothing ran twice.
      for (const type of [
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
        EventType.EVENT_TYPE_TIMER_FIRED,
        EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
      ])
        expect(ofType(events, type)).toHaveLength(1);

      // Closed, it is kept too, with its whole history and its result.
      const before = (await handle.fetchHistory()).events!;
      await killAndRestart();
      expect((await handle.fetchHistory()).events).toEqual(before);
      expect(await handle.result()).toEqual([
        'activity succeeded on attempt 2',
        'timer fired',
      ]);
    });
  });

  it('retries an activity that was running when the server was killed, once its start-to-close timeout passed', async () => {
    const workflowId = 'stuck-once';
    // The first attempt waits at the gate, which stays shut until the test ends.
    const stuck = gate(workflowId);
    try {
      await withDurableServer(
        'durable-running',
        async ({ client, killAndRestart }) => {
          const handle: WorkflowHandle = await client.workflow.start(
            'stuckOnce',
            {
              taskQueue: 'durable-running',
              workflowId,
            },
          );
          await stuck.arrived;
          expect(await killAndRestart()).toMatch(/1 runs restored/);

          // Start-to-close timeout 2 s: the restarted server times the attempt out and retries it.
          expect(await handle.result()).toBe('finished on attempt 2');
          const events = (await handle.fetchHistory()).events!;
          expect(
            ofType(events, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
          ).toHaveLength(1);
          const [started] = ofType(
            events,
            EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
          );
          expect(started.activityTaskStartedEventAttributes?.attempt).toBe(2);
          expect(
            started.activityTaskStartedEventAttributes?.lastFailure
              ?.timeoutFailureInfo,
          ).toBeTruthy();
        },
      );
    } finally {
      stuck.open();
    }
  });
});

/**
 * Runs `scenario` against `temporal server start-dev --db-filename` with a worker on
 * `taskQueue`; `killAndRestart` kills the server with SIGKILL and starts it again on the same
 * port and file, answering its ready line.
 */
async function withDurableServer(
  taskQueue: string,
  scenario: (server: {
    client: Client;
    killAndRestart(): Promise<string>;
  }) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'temporal-dev-server-'));
  const port = await freePort();
  const args = [
    'server',
    'start-dev',
    '--port',
    String(port),
    '--db-filename',
    join(dir, 'temporal.db'),
    '--log-level',
    'warn',
  ];
  const address = `127.0.0.1:${port}`;
  let server = (await spawnReady(join(BIN, 'temporal'), args, /ready at/))
    .child;
  const workerConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const worker = await Worker.create({
    connection: workerConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
  });
  const running = worker.run();
  try {
    await scenario({
      client: new Client({ connection }),
      killAndRestart: async () => {
        server.kill('SIGKILL');
        await exited(server);
        const restarted = await spawnReady(
          join(BIN, 'temporal'),
          args,
          /ready at/,
        );
        server = restarted.child;
        return restarted.line;
      },
    });
  } finally {
    worker.shutdown();
    await running;
    await workerConnection.close();
    await connection.close();
    server.kill('SIGTERM');
    await exited(server);
    rmSync(dir, { recursive: true, force: true });
  }
}
