/*
 * Structured logs through the programmatic API: lines go to the embedder's sink, as JSON or
 * text, filtered by level; a run's start and close are debug lines; a deadline whose action
 * fails is an error line, and the other deadlines still fire.
 */
import { Client, Connection } from '@temporalio/client';
import { systemClock } from './clock';
import { Deadlines } from './Deadlines';
import { createLogger } from './logger';
import { startTemporalDevServer, type TemporalDevServerOptions } from '.';

// Each test talks to a dev server started in this file: under a second on an idle
// machine; the budget leaves room for one several times busier.
jest.setTimeout(30_000);

describe('the logger', () => {
  it('writes JSON lines at or above its level, with the fields given', () => {
    const lines: string[] = [];
    const logger = createLogger('info', 'json', line => lines.push(line));
    logger.debug('not written', { x: 1 });
    logger.info('written', { workflowId: 'a', runs: 2 });
    logger.error('also written');
    expect(lines.map(line => JSON.parse(line))).toEqual([
      {
        time: expect.any(String),
        level: 'info',
        msg: 'written',
        workflowId: 'a',
        runs: 2,
      },
      { time: expect.any(String), level: 'error', msg: 'also written' },
    ]);
    expect(lines.every(line => line.endsWith('\n'))).toBe(true);
    expect(logger.enabled('debug')).toBe(false);
    expect(logger.enabled('info')).toBe(true);
  });

  it('writes one text line per entry in the pretty format, leaving out unset fields', () => {
    const lines: string[] = [];
    const logger = createLogger('debug', 'pretty', line => lines.push(line));
    logger.warn('slow', {
      rpc: 'StartWorkflowExecution',
      ids: ['a'],
      none: undefined,
    });
    expect(lines).toEqual([
      expect.stringMatching(
        /^\S+Z WARN slow rpc=StartWorkflowExecution ids=\["a"\]\n$/,
      ),
    ]);
  });
});

describe('the server log', () => {
  async function withServer(
    options: TemporalDevServerOptions,
    work: (client: Client) => Promise<void>,
  ) {
    const lines: string[] = [];
    const server = await startTemporalDevServer({
      ...options,
      logSink: line => lines.push(line),
    });
    const connection = await Connection.connect({ address: server.address });
    try {
      await work(new Client({ connection }));
    } finally {
      await connection.close();
      await server.stop();
    }
    return lines.map(line => JSON.parse(line));
  }

  const startAndTerminate = async (client: Client) => {
    const handle = await client.workflow.start('anything', {
      taskQueue: 'nobody-polls',
      workflowId: 'sunk',
    });
    await handle.terminate();
  };

  it("goes to the embedder's sink: a debug server reports each run's start and close", async () => {
    const lines = await withServer({ logLevel: 'debug' }, startAndTerminate);
    expect(lines.map(line => line.msg)).toEqual([
      'server listening',
      'workflow started',
      'workflow closed',
      'server stopping',
    ]);
    expect(lines[2]).toMatchObject({
      workflowId: 'sunk',
      workflowType: 'anything',
      status: 'TERMINATED',
    });
  });

  it('says nothing at the default level, warn, for the same work', async () => {
    expect(await withServer({}, startAndTerminate)).toEqual([]);
  });
});

describe('deadlines', () => {
  it('report an action that throws, and still fire the others', async () => {
    const deadlines = new Deadlines(systemClock);
    const errors: [string, unknown][] = [];
    deadlines.onError = (name, error) => errors.push([name, error]);
    const fired = new Promise<string>(resolve => {
      deadlines.arm('run-1/broken', systemClock.now(), () => {
        throw new Error('a bug');
      });
      deadlines.arm('run-2/timer', systemClock.now(), () => resolve('fired'));
    });
    expect(await fired).toBe('fired');
    expect(errors).toEqual([['run-1/broken', new Error('a bug')]]);
  });
});
