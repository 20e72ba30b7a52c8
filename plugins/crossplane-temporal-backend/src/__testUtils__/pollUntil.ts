/*
 * Waiting in tests for what shows only when asked (a workflow's status, its history, a metrics
 * page): ask until the answer says it happened. The budget is generous, for a busy machine; when
 * it runs out, the error names what was awaited and the last answer.
 */

export interface PollOptions<T> {
  /** Default: 60 s. */
  timeoutMs?: number;
  /** Between answers. Default: 50 ms. */
  intervalMs?: number;
  /** The last answer, as the failure reports it. Default: as JSON. */
  describe?: (answer: T) => string;
}

/** The first answer of `ask` that `done` accepts. */
export async function pollUntil<T>(
  what: string,
  ask: () => Promise<T>,
  done: (answer: T) => boolean,
  {
    timeoutMs = 60_000,
    intervalMs = 50,
    describe = answer => JSON.stringify(answer),
  }: PollOptions<T> = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await ask();
    if (done(answer)) return answer;
    if (Date.now() > deadline)
      throw new Error(
        `waited ${timeoutMs} ms for ${what}; last seen: ${describe(answer)}`,
      );
    await new Promise(resolve => setTimeout(resolve, intervalMs));
  }
}
