/*
 * Conformance: workflow tasks. A task its worker took and never answered times out and goes to
 * another worker; a task the workflow's code fails is retried, its failure recorded once, until
 * the cause is gone; signals that arrive while a task runs wait for it, and a task that closes the
 * workflow meanwhile is refused; a worker that caches a run gets its next task on its sticky
 * queue, even when it is too busy to poll as the task comes, and a sticky task whose worker stopped
 * goes to another worker; a task may cancel an activity that finished while it ran.
 */
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { gate } from '../__testUtils__/activities';
import { useConformance } from '../__testUtils__/conformance';
import type { InFlightActivities } from '../__testUtils__/inFlightWorkflows';
import {
  EventType,
  eventMs,
  ofType,
  waitFor,
  waitForEvent,
} from '../__testUtils__/history';

const { TaskQueueKind, TimeoutType, WorkflowTaskFailedCause } =
  temporal.api.enums.v1;

/** A promise and its resolver, for a rendezvous between the test and an activity. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>(r => {
    resolve = r;
  });
  return { promise, resolve };
}

jest.setTimeout(60_000);

describe('workflow tasks', () => {
  const t = useConformance('workflow-tasks');

  const history = async (workflowId: string) =>
    (await t.client.workflow.getHandle(workflowId).fetchHistory()).events!;

  /** The workflows of scenarios of this file's own, bundled once. */
  let inFlight: Promise<{ code: string }> | undefined;
  const inFlightBundle = () =>
    (inFlight ??= bundleWorkflowCode({
      workflowsPath: require.resolve('../__testUtils__/inFlightWorkflows'),
      logger: new DefaultLogger('ERROR'),
    }));

  it('times out a workflow task that its worker took and never answered, then retries it on another worker', async () => {
    const taskQueue = t.queue('abandoned');
    const handle = await t.client.workflow.start('greeting', {
      taskQueue,
      workflowId: t.id('abandoned'),
      args: ['ann'],
      // Long enough for the live worker's tasks on a busy machine.
      workflowTaskTimeout: '2 seconds',
    });
    // A worker that takes the first task and goes silent (no real worker does that on purpose).
    const task = await t.client.workflowService.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue },
      identity: 'silent-worker',
    });
    expect(task.taskToken?.length).toBeGreaterThan(0);

    const { event: timedOut, events } = await waitForEvent(
      t.client,
      handle,
      "the silent worker's task to time out",
      e => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
    );
    const attributes = timedOut.workflowTaskTimedOutEventAttributes!;
    expect(attributes.timeoutType).toBe(
      TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
    );
    const started = events.find(
      e => Number(e.eventId) === Number(attributes.startedEventId),
    )!;
    expect(started.workflowTaskStartedEventAttributes?.identity).toBe(
      'silent-worker',
    );
    expect(eventMs(timedOut) - eventMs(started)).toBeGreaterThanOrEqual(2000);

    const worker = await t.startWorker({ taskQueue, identity: 'live-worker' });
    expect(await handle.result()).toBe('hello ann');
    await worker.stop();
    // The retry was the task's second attempt, completed by the live worker.
    const all = await history(handle.workflowId);
    const retry = ofType(
      all,
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    ).find(e => Number(e.eventId) > Number(timedOut.eventId));
    expect(retry?.workflowTaskScheduledEventAttributes?.attempt).toBe(2);
    expect(
      ofType(all, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)[0]
        .workflowTaskCompletedEventAttributes?.identity,
    ).toBe('live-worker');
  });

  it('retries a workflow task whose code throws, recording the failure once, until a signal removes the cause', async () => {
    const handle = await t.client.workflow.start('brokenUntilFixed', {
      taskQueue: t.taskQueue,
      workflowId: t.id('broken'),
      // Retries after the first are not reported by the worker: each waits for this timeout.
      workflowTaskTimeout: '2 seconds',
    });
    const { event: failed } = await waitForEvent(
      t.client,
      handle,
      'the failed workflow task',
      e => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
    );
    expect(failed.workflowTaskFailedEventAttributes?.cause).toBe(
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE,
    );
    expect(failed.workflowTaskFailedEventAttributes?.failure?.message).toBe(
      'not fixed yet',
    );
    // The task is retried: a second attempt is pending.
    await waitFor(
      'the second attempt of the failing workflow task',
      async () =>
        ((await handle.describe()).raw.pendingWorkflowTask?.attempt ?? 0) >= 2,
    );

    await handle.signal('fix', 'ops');
    expect(await handle.result()).toBe('fixed by ops');
    const all = await history(handle.workflowId);
    // Retries that failed again left no trace in the history: up to the signal, the one failure.
    // (After it, the task that succeeds may itself time out on a busy machine, and say so.)
    const signalled = all.findIndex(
      e => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
    );
    const beforeTheFix = all.slice(0, signalled);
    expect(ofType(all, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)).toHaveLength(
      1,
    );
    expect(
      ofType(beforeTheFix, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED),
    ).toHaveLength(1);
    expect(
      ofType(beforeTheFix, EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT),
    ).toHaveLength(0);
  });

  it('holds a signal that arrives while a workflow task runs until the task completes, and delivers it in the next', async () => {
    const workflowId = t.id('noted-during-task');
    const atGate = gate(workflowId);
    const handle = await t.client.workflow.start('notedDuringTask', {
      taskQueue: t.taskQueue,
      workflowId,
    });
    // The first workflow task is running: its local activity waits for the test.
    await atGate.arrived;
    await handle.signal('note', 'while busy');
    atGate.open();
    expect(await handle.result()).toEqual(['while busy']);

    const all = await history(workflowId);
    const [firstCompleted] = ofType(
      all,
      EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    );
    const [signaled] = ofType(
      all,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
    );
    const [marker] = ofType(all, EventType.EVENT_TYPE_MARKER_RECORDED);
    // Written after the task that ran when it came, with the local activity's marker before it.
    expect(Number(signaled.eventId)).toBeGreaterThan(
      Number(firstCompleted.eventId),
    );
    expect(Number(marker.eventId)).toBeLessThan(Number(signaled.eventId));
  });

  it('refuses a workflow task that completes the workflow while a signal waits; the next task sees the signal', async () => {
    const workflowId = t.id('finishing-during-note');
    const atGate = gate(workflowId);
    const handle = await t.client.workflow.start('finishingDuringNote', {
      taskQueue: t.taskQueue,
      workflowId,
    });
    await atGate.arrived;
    await handle.signal('note', 'last word');
    atGate.open();
    // Had the completion been accepted, the workflow would have closed without the note.
    expect(await handle.result()).toEqual(['last word']);

    const all = await history(workflowId);
    const failed = ofType(all, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    expect(failed).toHaveLength(1);
    expect(failed[0].workflowTaskFailedEventAttributes?.cause).toBe(
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
    );
    const [signaled] = ofType(
      all,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
    );
    expect(Number(signaled.eventId)).toBeGreaterThan(Number(failed[0].eventId));
    // The refused task's commands (its local activity's marker) were dropped; the marker is
    // recorded once, by the task that completed the workflow.
    const markers = ofType(all, EventType.EVENT_TYPE_MARKER_RECORDED);
    expect(markers).toHaveLength(1);
    expect(Number(markers[0].eventId)).toBeGreaterThan(
      Number(signaled.eventId),
    );
  });

  /** The task queue each workflow task of a run was scheduled on, in order. */
  const scheduledQueues = async (workflowId: string) =>
    ofType(
      await history(workflowId),
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    ).map(e => e.workflowTaskScheduledEventAttributes?.taskQueue);

  it("gives a workflow's next task to its worker's sticky queue, then moves it off the sticky queue of a worker that stopped, to a new worker", async () => {
    const taskQueue = t.queue('sticky');
    const first = await t.startWorker({
      taskQueue,
      identity: 'first-worker',
      // Should the server not hear of the shutdown, the sticky task moves after this.
      stickyQueueScheduleToStartTimeout: '1 second',
    });
    const handle = await t.client.workflow.start('stepping', {
      taskQueue,
      workflowId: t.id('sticky'),
      args: [1],
    });
    // The task after the activity: the first worker caches the run, so it goes to its sticky queue.
    let completions = 0;
    await waitForEvent(
      t.client,
      handle,
      'the second completed workflow task',
      e =>
        e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED &&
        ++completions === 2,
    );
    const [, second] = await scheduledQueues(handle.workflowId);
    expect(second).toMatchObject({
      kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY,
      normalName: taskQueue,
    });
    expect(second?.name).not.toBe(taskQueue);
    await first.stop();

    const next = await t.startWorker({
      taskQueue,
      identity: 'second-worker',
    });
    await handle.signal('finish');
    expect(await handle.result()).toEqual(['hello step 0']);
    await next.stop();
    const completedBy = ofType(
      await history(handle.workflowId),
      EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    ).map(e => e.workflowTaskCompletedEventAttributes?.identity);
    expect(completedBy.slice(0, 2)).toEqual(['first-worker', 'first-worker']);
    expect(completedBy[completedBy.length - 1]).toBe('second-worker');
    // The new worker's task was on the normal queue (it does not cache the run).
    const queues = await scheduledQueues(handle.workflowId);
    expect(queues[queues.length - 1]).toMatchObject({
      name: taskQueue,
      kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
    });
  });

  it("keeps the next tasks of runs its worker caches on the worker's sticky queue when more come at once than the worker has sticky polls", async () => {
    const taskQueue = t.queue('sticky-burst');
    const worker = await t.startWorker({
      taskQueue,
      identity: 'caching-worker',
      workflowBundle: await inFlightBundle(),
      // Two polls at a time: one on the normal queue, one on the sticky queue.
      workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: 2 },
      // Longer than the test: no task reaches the worker by timing out to the normal queue.
      stickyQueueScheduleToStartTimeout: '1 minute',
    });
    const parent = await t.client.workflow.start(
      'leavingChildrenToBeCancelled',
      { taskQueue, workflowId: t.id('sticky-parent'), args: [3] },
    );
    const children = Array.from(
      { length: 3 },
      (_, i) => `${parent.workflowId}-child-${i}`,
    );
    let started = 0;
    await waitForEvent(
      t.client,
      parent,
      `the start of all ${children.length} children`,
      e =>
        e.eventType === EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED &&
        ++started === children.length,
    );
    // Each child ran its first task on the worker, which caches it.
    for (const workflowId of children)
      await waitForEvent(
        t.client,
        { workflowId },
        'its first completed workflow task',
        e => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      );
    // The parent closes: its three children are asked to cancel at once, each needing a task.
    await parent.signal('finish');
    expect(await parent.result()).toEqual(children);
    for (const workflowId of children)
      await expect(
        t.client.workflow.getHandle(workflowId).result(),
      ).rejects.toThrow(/cancelled/i);
    await worker.stop();

    for (const workflowId of children) {
      const [, second] = await scheduledQueues(workflowId);
      expect(second).toMatchObject({
        kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY,
        normalName: taskQueue,
      });
      const events = await history(workflowId);
      expect(
        ofType(events, EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT),
      ).toEqual([]);
      expect(
        ofType(events, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED),
      ).toHaveLength(1);
    }
  });

  it('records the cancellation of an activity that finished while the workflow task that cancels it ran, and nothing else, as Temporal does', async () => {
    const activityStarted = deferred();
    const activityMayFinish = deferred();
    const taskHeld = deferred();
    const taskMayGo = deferred();
    const activities: InFlightActivities = {
      async finishWhenTold() {
        activityStarted.resolve();
        await activityMayFinish.promise;
        return 'done';
      },
      async holdTheTask() {
        taskHeld.resolve();
        await taskMayGo.promise;
      },
    };
    const taskQueue = t.queue('in-flight');
    const worker = await t.startWorker({
      taskQueue,
      activities,
      workflowBundle: await inFlightBundle(),
    });
    const handle = await t.client.workflow.start(
      'cancellingAnActivityThatFinished',
      { taskQueue, workflowId: t.id('cancel-finished') },
    );
    await activityStarted.promise;
    // The workflow's next task runs (held by its local activity) while the activity finishes.
    await handle.signal('proceed');
    await taskHeld.promise;
    activityMayFinish.resolve();
    await waitFor(
      'the activity to have finished',
      async () => (await handle.describe()).raw.pendingActivities?.length === 0,
    );
    // The task completes, cancelling an activity whose result waits for the task to end.
    taskMayGo.resolve();
    const { event: requested } = await waitForEvent(
      t.client,
      handle,
      'the request to cancel the activity',
      e => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
    );
    await handle.signal('finish');
    // The worker resolved the activity as cancelled when it asked (the default cancellation).
    expect(await handle.result()).toBe('cancelled');
    await worker.stop();

    const all = await history(handle.workflowId);
    const [scheduled] = ofType(
      all,
      EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    );
    expect(
      Number(
        requested.activityTaskCancelRequestedEventAttributes?.scheduledEventId,
      ),
    ).toBe(Number(scheduled.eventId));
    // The activity's result, written after the task that asked to cancel it; nothing failed.
    const [completed] = ofType(
      all,
      EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
    );
    expect(Number(completed.eventId)).toBeGreaterThan(
      Number(requested.eventId),
    );
    expect(ofType(all, EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED)).toEqual(
      [],
    );
    expect(ofType(all, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)).toEqual([]);
  });
});
