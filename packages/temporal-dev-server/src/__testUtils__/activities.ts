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

/** Fails with an error that itself says not to retry it (of a type no retry policy names). */
export async function refuseForGood(): Promise<string> {
  throw ApplicationFailure.create({
    type: 'Gone',
    message: 'the cluster is gone for good',
    nonRetryable: true,
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

/**
 * How long a first attempt that is meant to time out stays silent: five times the timeouts of the
 * workflows that run it (2 s), which in turn leave a later attempt, which finishes at once, time
 * to do so on a busy machine.
 */
const OUTLIVING_MS = 10_000;

/** Outlives its start-to-close timeout on the first attempt. */
export async function slowFirstAttempt(): Promise<string> {
  const context = Context.current();
  if (context.info.attempt === 1)
    await context.sleep(OUTLIVING_MS).catch(() => {});
  return `finished on attempt ${context.info.attempt}`;
}

/** Stops heartbeating on the first attempt, so its heartbeat timeout fires. */
export async function silentFirstAttempt(): Promise<string> {
  const context = Context.current();
  if (context.info.attempt === 1)
    await context.sleep(OUTLIVING_MS).catch(() => {});
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

// ---- Rendezvous with the test ------------------------------------------------------------

/**
 * A gate between a test and an activity of its workflow (activities run in the test's process):
 * the activity arrives and waits until the test opens it.
 */
export interface Gate {
  arrived: Promise<void>;
  opened: Promise<void>;
  arrive(): void;
  open(): void;
}

const gates = new Map<string, Gate>();

/** The ID of the workflow that runs the activity (every activity here has one). */
const workflowIdOf = (context: Context) =>
  context.info.workflowExecution?.workflowId ?? '';

/** The gate of one workflow (by its ID), made on first use by either side. */
export function gate(workflowId: string): Gate {
  let found = gates.get(workflowId);
  if (!found) {
    const created = {} as Gate;
    created.arrived = new Promise(resolve => {
      created.arrive = resolve;
    });
    created.opened = new Promise(resolve => {
      created.open = resolve;
    });
    gates.set(workflowId, created);
    found = created;
  }
  return found;
}

/** Arrives at its workflow's gate and waits until the test opens it (or the attempt is cancelled). */
async function waitAtGate(context: Context): Promise<void> {
  const own = gate(workflowIdOf(context));
  own.arrive();
  await Promise.race([own.opened, context.cancelled]);
}

/** Waits at its workflow's gate (run as a local activity: inside a workflow task). */
export async function waitForTheTest(): Promise<string> {
  await waitAtGate(Context.current());
  return 'the test let me through';
}

/** Its first attempt waits at the gate, which the test keeps shut; later attempts finish at once. */
export async function stuckFirstAttempt(): Promise<string> {
  const context = Context.current();
  if (context.info.attempt === 1) await waitAtGate(context).catch(() => {});
  return `finished on attempt ${context.info.attempt}`;
}

// ---- Retries -----------------------------------------------------------------------------

const attemptStarts = new Map<string, number[]>();

/** When each attempt of the workflow's activity started, in the test's clock. */
export function attemptStartTimes(workflowId: string): number[] {
  return attemptStarts.get(workflowId) ?? [];
}

/** As `flaky`, noting when each attempt started. */
export async function flakyNotingStarts(failures: number): Promise<string> {
  const context = Context.current();
  const starts = attemptStarts.get(workflowIdOf(context)) ?? [];
  starts.push(Date.now());
  attemptStarts.set(workflowIdOf(context), starts);
  const { attempt } = context.info;
  if (attempt <= failures) throw new Error(`attempt ${attempt} failed`);
  return `succeeded on attempt ${attempt}`;
}

/** Heartbeats how far it got, then fails its first attempt; a retry says where it resumes. */
export async function failsAfterHeartbeat(): Promise<unknown> {
  const context = Context.current();
  if (context.info.attempt === 1) {
    context.heartbeat({ processed: 42 });
    throw new Error('lost the connection after 42 items');
  }
  return {
    attempt: context.info.attempt,
    resumed: context.info.heartbeatDetails,
  };
}

/** Heartbeats how far it got, then goes silent on its first attempt; a retry says where it resumes. */
export async function silentAfterHeartbeat(): Promise<unknown> {
  const context = Context.current();
  if (context.info.attempt === 1) {
    context.heartbeat({ processed: 7 });
    await context.sleep(OUTLIVING_MS).catch(() => {});
  }
  return {
    attempt: context.info.attempt,
    resumed: context.info.heartbeatDetails,
  };
}
