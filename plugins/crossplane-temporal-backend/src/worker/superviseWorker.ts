/*
 * Keeps a worker running for as long as its host wants it: starts it in the background, so that
 * the host serves meanwhile, tries again with backoff while it cannot start (Temporal unreachable,
 * a bundle that does not load), and starts it again when it stops on its own.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import { backoffDelayMs, pause, type Backoff } from '../lib/backoff';
import type { RunningResourceWorker } from './startResourceWorker';

/** A worker that stays up for longer than this was healthy: its next failure counts as the first. */
const HEALTHY_AFTER_MS = 60_000;
/** 2 s after the first failure, doubling up to 30 s. */
const RESTART_BACKOFF: Backoff = { initialMs: 2_000, maxMs: 30_000 };

export interface SupervisedWorker {
  /** Stops the worker (or the try in progress) and the supervision; resolves once both ended. */
  stop(): Promise<void>;
}

export function superviseWorker(options: {
  /** Starts the worker once; rejects when it cannot start, having let go of what it set up. */
  start: () => Promise<RunningResourceWorker>;
  logger: LoggerService;
  /** Default: 2 s after the first failure, doubling up to 30 s. */
  backoff?: Backoff;
  /** Default: a minute. */
  healthyAfterMs?: number;
}): SupervisedWorker {
  const {
    start,
    logger,
    backoff = RESTART_BACKOFF,
    healthyAfterMs = HEALTHY_AFTER_MS,
  } = options;
  const stopping = new AbortController();
  let running: RunningResourceWorker | undefined;

  const loop = (async () => {
    // Failures in a row (to start, or to keep running for a while) set the backoff.
    let failures = 0;
    while (!stopping.signal.aborted) {
      try {
        running = await start();
        // The host stopped while it started: stop it here (stop() saw none yet).
        if (stopping.signal.aborted) {
          await running.stop();
          break;
        }
        const startedAt = Date.now();
        await running.stopped;
        if (stopping.signal.aborted) break;
        // It stopped on its own (its log says why): let go of the rest and start it again.
        await running.stop();
        running = undefined;
        failures = Date.now() - startedAt > healthyAfterMs ? 1 : failures + 1;
        logger.warn('the resource worker stopped; restarting it', {
          failures,
        });
      } catch (error) {
        failures += 1;
        logger.warn('could not start the resource worker; retrying', {
          failures,
          error: String(error),
        });
      }
      await pause(backoffDelayMs(backoff, failures), stopping.signal);
    }
  })();

  return {
    async stop() {
      stopping.abort();
      await running?.stop();
      await loop;
    },
  };
}
