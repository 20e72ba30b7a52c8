/*
 * The supervisor's decisions, with workers the test starts and stops by hand: retrying with
 * backoff while a worker cannot start, starting it again when it stops on its own, counting
 * failures in a row, and stopping without waiting out a backoff. The real worker under the same
 * supervisor, inside a backend, is tested in ../plugin.test.ts.
 */
import type { RunningResourceWorker } from './startResourceWorker';
import { superviseWorker } from './superviseWorker';
import {
  recordingLogger,
  type RecordingLogger,
} from '../__testUtils__/recordingLogger';

/** A worker whose end the test decides. */
function handWorker() {
  let end!: () => void;
  const stopped = new Promise<void>(resolve => {
    end = resolve;
  });
  let stops = 0;
  const worker: RunningResourceWorker & { stops: number; end(): void } = {
    stopped,
    /** How many times it was asked to stop. */
    get stops() {
      return stops;
    },
    /** Ends it as if the Temporal worker had stopped without being asked to. */
    end,
    async stop() {
      stops += 1;
      end();
    },
  };
  return worker;
}

/** Starts the given workers in turn (an Error fails that try); tells when a try has been made. */
function handStarts(outcomes: Array<RunningResourceWorker | Error>) {
  let tries = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  return {
    get tries() {
      return tries;
    },
    start: async (): Promise<RunningResourceWorker> => {
      const outcome = outcomes[tries++];
      for (const waiter of waiters.filter(w => tries >= w.count))
        waiter.resolve();
      if (!outcome) throw new Error('the test gave no worker for this try');
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
    /** Resolves once `count` tries have been made. */
    tried(count: number) {
      return new Promise<void>(resolve => {
        if (tries >= count) resolve();
        else waiters.push({ count, resolve });
      });
    },
  };
}

/** Resolves once `logger` has logged `count` lines with `message`, within a generous budget. */
async function loggedTimes(
  logger: RecordingLogger,
  message: string,
  count: number,
) {
  const budgetMs = 20_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `'${message}' was not logged ${count} times within ${budgetMs} ms`,
          ),
        ),
      budgetMs,
    );
  });
  try {
    await Promise.race([
      logger.logged(
        () => logger.lines.filter(l => l.message === message).length >= count,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
  return logger.lines.filter(l => l.message === message);
}

const quickly = { initialMs: 1, maxMs: 1 };

/** Three workers the test ends by hand, under a supervisor that retries at once. */
function superviseThreeWorkers(options: { healthyAfterMs?: number } = {}) {
  const logger = recordingLogger();
  const workers = [handWorker(), handWorker(), handWorker()];
  const starts = handStarts(workers);
  const supervised = superviseWorker({
    start: starts.start,
    logger,
    backoff: quickly,
    ...options,
  });
  const restarted = (count: number) =>
    loggedTimes(logger, 'the resource worker stopped; restarting it', count);
  return {
    workers,
    starts,
    supervised,
    /** Ends the first worker, then the second once it runs; the restarts' log lines. */
    async endFirstTwo() {
      workers[0].end();
      await restarted(1);
      workers[1].end();
      return restarted(2);
    },
  };
}

describe('superviseWorker', () => {
  it('tries again while the worker cannot start, counting the failures in a row', async () => {
    const logger = recordingLogger();
    const worker = handWorker();
    const refused = new Error('14 UNAVAILABLE: connection refused');
    const starts = handStarts([refused, refused, refused, worker]);
    const supervised = superviseWorker({
      start: starts.start,
      logger,
      backoff: quickly,
    });
    const failures = await loggedTimes(
      logger,
      'could not start the resource worker; retrying',
      3,
    );
    expect(failures.map(l => l.fields)).toEqual([
      { failures: 1, error: 'Error: 14 UNAVAILABLE: connection refused' },
      { failures: 2, error: 'Error: 14 UNAVAILABLE: connection refused' },
      { failures: 3, error: 'Error: 14 UNAVAILABLE: connection refused' },
    ]);
    await starts.tried(4);
    await supervised.stop();
    expect(starts.tries).toBe(4);
    expect(worker.stops).toBe(1);
  });

  it('starts the worker again when it stops on its own, letting go of the old one first', async () => {
    const { workers, starts, supervised, endFirstTwo } =
      superviseThreeWorkers();
    const restarts = await endFirstTwo();
    // Each stopped soon after it started: two failures in a row.
    expect(restarts.map(l => l.fields.failures)).toEqual([1, 2]);
    expect(workers[0].stops).toBe(1);
    expect(workers[1].stops).toBe(1);
    await starts.tried(3);
    await supervised.stop();
    expect(starts.tries).toBe(3);
    expect(workers[2].stops).toBe(1);
  });

  it('counts a stop after a healthy run as the first failure again', async () => {
    // Every run counts as healthy.
    const { starts, supervised, endFirstTwo } = superviseThreeWorkers({
      healthyAfterMs: -1,
    });
    const restarts = await endFirstTwo();
    expect(restarts.map(l => l.fields.failures)).toEqual([1, 1]);
    await starts.tried(3);
    await supervised.stop();
  });

  it('stops at once while it waits to try again, however long the backoff', async () => {
    const logger = recordingLogger();
    const starts = handStarts([new Error('14 UNAVAILABLE')]);
    const supervised = superviseWorker({
      start: starts.start,
      logger,
      backoff: { initialMs: 3_600_000, maxMs: 3_600_000 },
    });
    await loggedTimes(
      logger,
      'could not start the resource worker; retrying',
      1,
    );
    await supervised.stop();
    expect(starts.tries).toBe(1);
  });

  it('stops a worker that finishes starting after it was told to stop', async () => {
    const logger = recordingLogger();
    const worker = handWorker();
    let finishStarting!: () => void;
    let startCalled!: () => void;
    const starting = new Promise<void>(resolve => {
      startCalled = resolve;
    });
    const supervised = superviseWorker({
      start: () =>
        new Promise(resolve => {
          startCalled();
          finishStarting = () => resolve(worker);
        }),
      logger,
      backoff: quickly,
    });
    await starting;
    const stopped = supervised.stop();
    finishStarting();
    await stopped;
    expect(worker.stops).toBe(1);
    expect(logger.lines.filter(l => l.level === 'warn')).toEqual([]);
  });
});
