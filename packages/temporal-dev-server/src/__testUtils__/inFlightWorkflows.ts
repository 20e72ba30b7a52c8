/*
 * Workflows for workflow task scenarios of their own: commands about something that finished
 * while the task ran (its result waits in the server's buffer until the task completes), and
 * several runs whose next tasks become due at once. Bundled by the tests that run them, with
 * activities of their own that wait for the test.
 */
import {
  CancellationScope,
  condition,
  defineSignal,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';

export interface InFlightActivities {
  /** Waits for the test, then finishes. */
  finishWhenTold(): Promise<string>;
  /** Run as a local activity: holds the workflow task open until the test lets it go. */
  holdTheTask(): Promise<void>;
}

const { finishWhenTold } = proxyActivities<InFlightActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 1 },
});

const { holdTheTask } = proxyLocalActivities<InFlightActivities>({
  startToCloseTimeout: '1 minute',
});

export const proceed = defineSignal('proceed');
export const finish = defineSignal('finish');

/**
 * Starts an activity; on `proceed`, holds its workflow task with a local activity, then cancels
 * the activity (which the test lets finish meanwhile), and waits for `finish`. Returns how the
 * activity ended as far as the workflow saw.
 */
export async function cancellingAnActivityThatFinished(): Promise<string> {
  let proceeding = false;
  let finishing = false;
  setHandler(proceed, () => {
    proceeding = true;
  });
  setHandler(finish, () => {
    finishing = true;
  });
  const scope = new CancellationScope();
  const activity = scope.run(() => finishWhenTold());
  await condition(() => proceeding);
  await holdTheTask();
  scope.cancel();
  let outcome: string;
  try {
    outcome = `finished: ${await activity}`;
  } catch (error) {
    outcome = isCancellation(error) ? 'cancelled' : `failed: ${error}`;
  }
  // Not closing in the task that cancels: that task's commands are applied, not refused.
  await condition(() => finishing);
  return outcome;
}

// ---- Several runs whose next tasks come at once ---------------------------------------------

/** Waits until cancelled. */
export async function waitingForCancellation(): Promise<void> {
  await condition(() => false);
}

/**
 * Starts `count` children that wait to be cancelled, each cancelled when this workflow closes
 * (the REQUEST_CANCEL parent close policy); closes on `finish`. Returns the children's IDs.
 */
export async function leavingChildrenToBeCancelled(
  count: number,
): Promise<string[]> {
  let finishing = false;
  setHandler(finish, () => {
    finishing = true;
  });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const child = await startChild(waitingForCancellation, {
      workflowId: `${workflowInfo().workflowId}-child-${i}`,
      parentClosePolicy: 'REQUEST_CANCEL',
    });
    ids.push(child.workflowId);
  }
  await condition(() => finishing);
  return ids;
}
