/*
 * Conformance: the `temporal server start-dev` command line, as @temporalio/testing spawns it,
 * and durability with --db-filename across a `kill -9` of the server.
 */
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker } from '@temporalio/worker';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as activities from '../__testUtils__/activities';
import { installQuietRuntime } from '../__testUtils__/conformance';
import { BIN, exited, freePort, spawnReady } from '../__testUtils__/process';

jest.setTimeout(120_000);

const workflowsPath = require.resolve('../__testUtils__/workflows');

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
        workflowsPath,
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
        workflowsPath,
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
    const client = new Client({ connection });
    const worker = await Worker.create({
      connection: workerConnection,
      taskQueue: 'durable',
      workflowsPath,
      activities,
    });
    const running = worker.run();
    try {
      const handle = await client.workflow.start('survivor', {
        taskQueue: 'durable',
        workflowId: 'survivor',
      });
      // Kill the server while the activity waits for its retry and the timer runs.
      for (;;) {
        const { raw } = await handle.describe();
        const retrying = raw.pendingActivities?.[0]?.attempt === 2;
        const events = (await handle.fetchHistory()).events!;
        if (retrying && events.some(e => e.eventType === 17)) break;
        await new Promise(resolve => setImmediate(resolve));
      }
      server.kill('SIGKILL');
      await exited(server);
      const restarted = await spawnReady(
        join(BIN, 'temporal'),
        args,
        /ready at/,
      );
      server = restarted.child;
      expect(restarted.line).toMatch(/1 runs restored/);

      expect(await handle.result()).toEqual([
        'activity succeeded on attempt 2',
        'timer fired',
      ]);
      const types = (await handle.fetchHistory()).events!.map(e => e.eventType);
      // One workflow start, one timer fired, one activity completed: nothing ran twice.
      expect(types.filter(t => t === 1)).toHaveLength(1);
      expect(types.filter(t => t === 18)).toHaveLength(1);
      expect(types.filter(t => t === 12)).toHaveLength(1);
    } finally {
      worker.shutdown();
      await running;
      await workerConnection.close();
      await connection.close();
      server.kill('SIGTERM');
      await exited(server);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
