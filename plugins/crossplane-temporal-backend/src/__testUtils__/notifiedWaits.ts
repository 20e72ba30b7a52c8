/*
 * Waiting for what a test is told of (a line logged, an event delivered): each wait looks when it
 * starts and again whenever `notify()` says something came, and fails after its budget, naming
 * what it waited for.
 */

export interface NotifiedWaits {
  /** Something came: every wait looks again. */
  notify(): void;
  /**
   * Resolves with what `find` finds, now or after a later `notify()`; rejects after `timeoutMs`
   * (default 30 s), with `what` (computed then, when it is a function).
   */
  until<T>(
    what: string | (() => string),
    find: () => T | undefined,
    timeoutMs?: number,
  ): Promise<T>;
}

export function notifiedWaits(): NotifiedWaits {
  const waiters = new Set<() => void>();
  return {
    notify() {
      for (const waiter of [...waiters]) waiter();
    },
    until(what, find, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const deadline = AbortSignal.timeout(timeoutMs);
        const check = () => {
          const found = find();
          if (found === undefined && !deadline.aborted) return;
          waiters.delete(check);
          deadline.removeEventListener('abort', check);
          if (found !== undefined) resolve(found);
          else
            reject(
              new Error(
                `waited ${timeoutMs} ms for ${
                  typeof what === 'function' ? what() : what
                }`,
              ),
            );
        };
        waiters.add(check);
        deadline.addEventListener('abort', check);
        check();
      });
    },
  };
}
