/*
 * Activities of the scenario workflows.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';

export async function greet(name: string): Promise<string> {
  return `hello ${name}`;
}

/** Fails its first `failures` attempts, then succeeds, reporting the attempt. */
export async function flaky(failures: number): Promise<string> {
  const { attempt } = Context.current().info;
  if (attempt <= failures) throw new Error(`attempt ${attempt} failed`);
  return `succeeded on attempt ${attempt}`;
}

export async function refuse(): Promise<string> {
  throw ApplicationFailure.create({
    type: 'Refused',
    message: 'the cluster refused the request',
  });
}

/** Heartbeats until the workflow cancels it. */
export async function heartbeatUntilCancelled(): Promise<string> {
  const context = Context.current();
  for (;;) {
    context.heartbeat();
    await Promise.race([context.sleep(100), context.cancelled]);
  }
}

/** Outlives its start-to-close timeout on the first attempt. */
export async function slowFirstAttempt(): Promise<string> {
  const context = Context.current();
  if (context.info.attempt === 1) await context.sleep(3_000).catch(() => {});
  return `finished on attempt ${context.info.attempt}`;
}

/** Stops heartbeating on the first attempt, so its heartbeat timeout fires. */
export async function silentFirstAttempt(): Promise<string> {
  const context = Context.current();
  if (context.info.attempt === 1) await context.sleep(3_000).catch(() => {});
  context.heartbeat();
  return `finished on attempt ${context.info.attempt}`;
}

/** Never finishes within its timeouts. */
export async function alwaysSlow(): Promise<string> {
  await Context.current()
    .sleep(3_000)
    .catch(() => {});
  return 'too late';
}

export async function failsOnce(): Promise<string> {
  const { attempt } = Context.current().info;
  if (attempt === 1) throw new Error('first attempt fails');
  return `activity succeeded on attempt ${attempt}`;
}
