/*
 * How long to wait before trying again something that failed, and the wait itself. Every retry
 * loop of the plugin (the worker's supervisor, the API's cache start, watches, discovery,
 * watch-event deliveries, cluster requests) backs off through here, so they all double the same
 * way and spread out the same way.
 */

/** A retry loop's delays: doubling from a first delay up to a bound. */
export interface Backoff {
  /** The delay after the first failure. */
  initialMs: number;
  /** The longest delay, however many failures. */
  maxMs: number;
}

/**
 * The delay before the next try, after `failures` failures in a row (1 or more): doubled once per
 * failure after the first, at most `maxMs`, and shortened by up to a fifth at random so that
 * replicas that failed together do not all try again at the same moment.
 */
export function backoffDelayMs(backoff: Backoff, failures: number): number {
  const doubled =
    backoff.initialMs * 2 ** Math.min(Math.max(failures, 1) - 1, 30);
  return Math.round(
    Math.min(backoff.maxMs, doubled) * (0.8 + 0.2 * Math.random()),
  );
}

/**
 * Waits `ms`, or less if `signal` aborts first (a loop that is told to stop does not wait out its
 * backoff). Never rejects, and does not keep the process alive.
 */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    let timer: NodeJS.Timeout | undefined = undefined;
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    timer = setTimeout(done, ms);
    timer.unref();
    signal?.addEventListener('abort', done, { once: true });
  });
}
