/*
 * Scenario workflows the worker tests run on the dev server. Bundled by the real Worker.
 */
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import {
  defineSearchAttributeKey,
  SearchAttributeType,
} from '@temporalio/common';
import type * as activities from './activities';

const { greet, flaky, refuse, refuseForGood } = proxyActivities<
  typeof activities
>({
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '10 ms',
    backoffCoefficient: 1,
    maximumAttempts: 5,
    nonRetryableErrorTypes: ['Refused'],
  },
});

export async function greeting(name: string): Promise<string> {
  return await greet(name);
}

export async function napping(ms: number): Promise<string> {
  await sleep(ms);
  return 'rested';
}

export const approve = defineSignal<[string]>('approve');

export async function awaitingApproval(): Promise<string> {
  let approvedBy: string | undefined;
  setHandler(approve, name => {
    approvedBy = name;
  });
  await condition(() => approvedBy !== undefined);
  return `approved by ${approvedBy}`;
}

export async function retrying(failures: number): Promise<string> {
  return await flaky(failures);
}

export async function refused(): Promise<string> {
  return await refuse();
}

export async function refusedForGood(): Promise<string> {
  return await refuseForGood();
}

export async function failing(): Promise<string> {
  throw ApplicationFailure.create({
    type: 'QuotaExceeded',
    message: 'no more databases in this region',
    nonRetryable: true,
  });
}

export const increment = defineSignal<[number]>('increment');
export const countQuery = defineQuery<number>('count');

/** Counts signals until asked to stop or a minute passes, answering queries meanwhile. */
export async function counting(stopAt: number): Promise<number> {
  let count = 0;
  setHandler(increment, by => {
    count += by;
  });
  setHandler(countQuery, () => count);
  // A condition with a timeout starts a timer, cancelled when the condition holds first.
  await condition(() => count >= stopAt, '1 minute');
  return count;
}

// ---- Updates ------------------------------------------------------------------------------

export const resize = defineUpdate<string, [number]>('resize');
/** As `resize`, but its handler waits for an `allow` signal before it resizes. */
export const resizeWhenAllowed = defineUpdate<string, [number]>(
  'resizeWhenAllowed',
);
export const allow = defineSignal('allow');
export const sizeQuery = defineQuery<number>('size');
export const finish = defineSignal('finish');

/** Holds a size that updates change; sizes must be positive (the validator rejects others). */
export async function resizable(initial: number): Promise<number> {
  let size = initial;
  let done = false;
  let allowed = false;
  const validator = (to: number) => {
    if (to <= 0) throw new Error(`size must be positive, got ${to}`);
  };
  setHandler(
    resize,
    async to => {
      // An update handler may wait: here, for an activity.
      await greet(`size ${to}`);
      size = to;
      return `resized from ${initial} to ${to}`;
    },
    { validator },
  );
  setHandler(
    resizeWhenAllowed,
    async to => {
      await condition(() => allowed);
      size = to;
      return `resized from ${initial} to ${to} once allowed`;
    },
    { validator },
  );
  setHandler(allow, () => {
    allowed = true;
  });
  setHandler(sizeQuery, () => size);
  setHandler(finish, () => {
    done = true;
  });
  await condition(() => done);
  return size;
}

// ---- Cancellation, continue-as-new, children ----------------------------------------------

const { heartbeatUntilCancelled } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '5 seconds',
  retry: { maximumAttempts: 1 },
  // The workflow waits for the worker to confirm the cancellation.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/** Sleeps a day; a cancellation ends it as cancelled. */
export async function cancellable(): Promise<string> {
  await sleep('1 day');
  return 'woke up';
}

/** Runs a heartbeating activity; cancelling the workflow cancels the activity through heartbeats. */
export async function cancellingActivity(): Promise<string> {
  try {
    await heartbeatUntilCancelled();
    return 'activity finished';
  } catch (error) {
    if (isCancellation(error)) {
      // Cleanup work runs in a scope that the cancellation does not reach.
      return await CancellationScope.nonCancellable(async () => {
        await greet('cleanup');
        return 'activity cancelled, cleaned up';
      });
    }
    throw error;
  }
}

/** Counts up to `until`, continuing as new every `perRun` steps, carrying the total. */
export async function countingOn(
  total: number,
  until: number,
  perRun: number,
): Promise<{ total: number; runs: number }> {
  let count = total;
  let steps = 0;
  while (count < until) {
    count += 1;
    steps += 1;
    if (steps === perRun && count < until) {
      await continueAsNew<typeof countingOn>(count, until, perRun);
    }
  }
  return { total: count, runs: Math.ceil(until / perRun) };
}

export async function childGreeting(name: string): Promise<string> {
  return `child says ${await greet(name)}`;
}

export async function parentOf(name: string): Promise<string> {
  return await executeChild(childGreeting, { args: [name] });
}

export async function parentOfFailing(): Promise<string> {
  return await executeChild(failing, {});
}

/** Starts a child that waits for approval, then returns at once, leaving the child to its policy. */
export async function leavingChild(
  childId: string,
  policy: 'TERMINATE' | 'ABANDON' | 'REQUEST_CANCEL',
): Promise<string> {
  const child = await startChild(awaitingApproval, {
    workflowId: childId,
    parentClosePolicy: policy,
  });
  return child.workflowId;
}

/** Starts a child and cancels it; reports how the child ended. */
export async function cancellingChild(childId: string): Promise<string> {
  const scope = new CancellationScope();
  const child = scope.run(() =>
    executeChild(cancellable, { workflowId: childId }),
  );
  await sleep(50);
  scope.cancel();
  try {
    await child;
    return 'child completed';
  } catch (error) {
    return isCancellation(error) ? 'child cancelled' : `child failed: ${error}`;
  }
}

/** Signals another workflow (an approval waiting in `awaitingApproval`). */
export async function approver(targetId: string, name: string): Promise<void> {
  await getExternalWorkflowHandle(targetId).signal(approve, name);
}

// ---- Timeouts and local activities ---------------------------------------------------------

// The attempt after a timeout must finish within these too, or be retried once more.
const { slowFirstAttempt } = proxyActivities<typeof activities>({
  startToCloseTimeout: '2 seconds',
  retry: { initialInterval: '10 ms', maximumAttempts: 3 },
});

const { silentFirstAttempt } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '2 seconds',
  retry: { initialInterval: '10 ms', maximumAttempts: 3 },
});

const { alwaysSlow } = proxyActivities<typeof activities>({
  scheduleToCloseTimeout: '700 ms',
  startToCloseTimeout: '300 ms',
  retry: { initialInterval: '10 ms' },
});

const local = proxyLocalActivities<typeof activities>({
  startToCloseTimeout: '10 seconds',
});

export async function timingOutOnce(): Promise<string> {
  return await slowFirstAttempt();
}

export async function missingHeartbeats(): Promise<string> {
  return await silentFirstAttempt();
}

export async function outOfTime(): Promise<string> {
  return await alwaysSlow();
}

export async function localGreeting(name: string): Promise<string> {
  return await local.greet(name);
}

export async function sleepingBeyondRunTimeout(): Promise<string> {
  await sleep('1 minute');
  return 'woke up';
}

// ---- Durability ----------------------------------------------------------------------------

const { failsOnce } = proxyActivities<typeof activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1500 ms', maximumAttempts: 3 },
});

/** An activity retry and a timer pending at once: what a server restart must carry over. */
export async function survivor(): Promise<string[]> {
  return await Promise.all([
    failsOnce(),
    sleep('1500 ms').then(() => 'timer fired'),
  ]);
}

// ---- Search attributes and memo ------------------------------------------------------------

export const tierKey = defineSearchAttributeKey(
  'Tier',
  SearchAttributeType.KEYWORD,
);
export const sizeKey = defineSearchAttributeKey(
  'SizeGb',
  SearchAttributeType.INT,
);

/** Re-tags itself with a tier and size, and notes who asked in its memo. */
export async function tagging(tier: string, sizeGb: number): Promise<string> {
  upsertSearchAttributes([
    { key: tierKey, value: tier },
    { key: sizeKey, value: sizeGb },
  ]);
  upsertMemo({ requestedBy: 'tagging-test' });
  return tier;
}

/** Takes the new path of a patch, which the SDK makes searchable through TemporalChangeVersion. */
export async function patching(patchId: string): Promise<string> {
  return patched(patchId) ? 'patched' : 'original';
}

// ---- Queries of workflows the worker no longer caches ------------------------------------------

export const stepsQuery = defineQuery<string[]>('steps');
export const note = defineSignal<[string]>('note');

/** Runs `count` activities one after another, then waits for `finish`; `steps` tells how far. */
export async function stepping(count: number): Promise<string[]> {
  const steps: string[] = [];
  let finished = false;
  setHandler(stepsQuery, () => steps);
  setHandler(note, text => {
    steps.push(text);
  });
  setHandler(finish, () => {
    finished = true;
  });
  for (let i = 0; i < count; i++) steps.push(await greet(`step ${i}`));
  await condition(() => finished);
  return steps;
}

// ---- Workflow tasks ------------------------------------------------------------------------

export const fix = defineSignal<[string]>('fix');

/** Fails its workflow task (a plain Error) until a `fix` signal is in its history. */
export async function brokenUntilFixed(): Promise<string> {
  const fixedBy: string[] = [];
  // Signals that came before the handler are delivered as it is set.
  setHandler(fix, name => {
    fixedBy.push(name);
  });
  if (fixedBy.length === 0) throw new Error('not fixed yet');
  return `fixed by ${fixedBy.join(', ')}`;
}

const { waitForTheTest } = proxyLocalActivities<typeof activities>({
  startToCloseTimeout: '30 seconds',
});

/** Notes signals; its first workflow task waits for the test (a local activity), then it waits for a note. */
export async function notedDuringTask(): Promise<string[]> {
  const notes: string[] = [];
  setHandler(note, text => {
    notes.push(text);
  });
  await waitForTheTest();
  await condition(() => notes.length > 0);
  return notes;
}

export const progressQuery = defineQuery<string>('progress');

/** Answers where it is; its first workflow task waits for the test (a local activity). */
export async function queriedDuringTask(): Promise<string> {
  let progress = 'waiting for the test';
  setHandler(progressQuery, () => progress);
  await waitForTheTest();
  progress = 'let through';
  return progress;
}

/** Notes signals; its first workflow task waits for the test, then completes the workflow. */
export async function finishingDuringNote(): Promise<string[]> {
  const notes: string[] = [];
  setHandler(note, text => {
    notes.push(text);
  });
  await waitForTheTest();
  return notes;
}

// ---- Long histories ------------------------------------------------------------------------

/** Writes `count` events in one workflow task (a memo upsert each). */
export async function upsertingMemo(count: number): Promise<number> {
  for (let i = 0; i < count; i++) upsertMemo({ step: i });
  return count;
}

// ---- Activity timeouts and retries -------------------------------------------------------------

/** Runs an activity on a task queue that nobody polls. */
export async function unstartedActivity(taskQueue: string): Promise<string> {
  const { greet: greetElsewhere } = proxyActivities<typeof activities>({
    taskQueue,
    scheduleToStartTimeout: '1 second',
    startToCloseTimeout: '10 seconds',
  });
  return await greetElsewhere('nobody');
}

const { flakyNotingStarts } = proxyActivities<typeof activities>({
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '200 ms',
    backoffCoefficient: 2,
    maximumAttempts: 5,
  },
});

export async function retryingWithBackoff(failures: number): Promise<string> {
  return await flakyNotingStarts(failures);
}

const { flaky: flakyThrice } = proxyActivities<typeof activities>({
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '10 ms',
    backoffCoefficient: 1,
    maximumAttempts: 3,
  },
});

/** An activity that fails more often than its retry policy allows attempts. */
export async function exhaustingAttempts(): Promise<string> {
  return await flakyThrice(10);
}

const { flaky: flakyByDefault } = proxyActivities<typeof activities>({
  startToCloseTimeout: '10 seconds',
});

/** An activity without a retry policy: Temporal retries it by its default policy. */
export async function retryingByDefault(): Promise<string> {
  return await flakyByDefault(1);
}

const { failsAfterHeartbeat } = proxyActivities<typeof activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '10 ms', maximumAttempts: 2 },
});

// A retry finishes at once; should it miss the timeout on a busy machine, there is another.
const { silentAfterHeartbeat } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '2 seconds',
  retry: { initialInterval: '10 ms', maximumAttempts: 3 },
});

export async function resumingAfterFailure(): Promise<unknown> {
  return await failsAfterHeartbeat();
}

export async function resumingAfterSilence(): Promise<unknown> {
  return await silentAfterHeartbeat();
}

// ---- Durability of running activities -------------------------------------------------------

const { stuckFirstAttempt } = proxyActivities<typeof activities>({
  startToCloseTimeout: '2 seconds',
  retry: { initialInterval: '10 ms', maximumAttempts: 3 },
});

export async function stuckOnce(): Promise<string> {
  return await stuckFirstAttempt();
}
