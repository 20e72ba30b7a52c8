/*
 * How long to wait before trying something again that failed: doubling from a first delay up to
 * a bound, shortened by a random part so that replicas that failed together spread out.
 */

export interface Backoff {
  /** The delay after the first failure. */
  initialMs: number;
  /** The longest delay, however many failures. */
  maxMs: number;
}

/** The delay before the next try, after `failures` failures in a row (1 or more). */
export function backoffDelayMs(backoff: Backoff, failures: number): number {
  const doubled = backoff.initialMs * 2 ** Math.min(failures - 1, 30);
  return Math.round(
    Math.min(backoff.maxMs, doubled) * (0.8 + 0.2 * Math.random()),
  );
}
