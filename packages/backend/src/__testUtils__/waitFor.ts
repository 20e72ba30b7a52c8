/*
 * Waiting in tests for what shows only when asked (a process's health, a task's log, a resource's
 * phase): ask until the answer says it happened. The budget is generous, for a busy machine; when
 * it runs out, the error names what was awaited and what was last seen.
 */

export interface WaitOptions {
  timeoutMs: number;
  /** Between answers. Default: 250 ms. */
  intervalMs?: number;
  /** What the failure reports as last seen. */
  lastSeen?: () => string;
}

/** The first answer of `check` that is not undefined; an error thrown by `check` ends the wait. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  { timeoutMs, intervalMs = 250, lastSeen }: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await check();
    if (answer !== undefined) return answer;
    if (Date.now() > deadline) {
      throw new Error(
        `waited ${Math.round(timeoutMs / 1000)} s for ${what}${
          lastSeen ? `; last seen: ${lastSeen()}` : ''
        }`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, intervalMs));
  }
}
