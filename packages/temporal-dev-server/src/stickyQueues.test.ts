/*
 * Sticky queues, driven through the gRPC API by hand as a worker drives them: a worker that caches
 * a run (it completed the run's task with sticky attributes) gets the run's next task on its sticky
 * queue, with only the events since its last task, even when it has no poll outstanding as the
 * task comes (it is busy); the task moves to the normal queue, with the whole history, when the
 * worker's schedule-to-start timeout passes, at once when the worker says it shut down, and
 * straight away when nobody polled the sticky queue for 10 s (its worker is gone), as Temporal's
 * matching judges.
 */
import { Connection } from '@temporalio/client';
import {
  InternalConnectionOptionsSymbol,
  type InternalConnectionOptions,
} from '@temporalio/client/lib/connection';
import { temporal } from '@temporalio/proto';
import Long from 'long';
import { useDevServer, type DevServerContext } from './__testUtils__/devServer';

const { EventType, TaskQueueKind, TimeoutType } = temporal.api.enums.v1;
type PollAnswer =
  temporal.api.workflowservice.v1.IPollWorkflowTaskQueueResponse;

// Each test talks to a dev server started in this file: under a second on an idle
// machine; the budget leaves room for one several times busier.
jest.setTimeout(30_000);

describe('sticky queues', () => {
  const dev = useDevServer();
  const skipping = useDevServer({ timeSkipping: true });

  /**
   * Starts a workflow and completes its first task as a worker that caches the run, with a poll
   * of its sticky queue that it then gives up (a worker busy with other tasks has none waiting).
   */
  async function cachedRun(
    target: DevServerContext,
    workflowId: string,
    scheduleToStartSeconds = 60,
  ) {
    const service = target.connection.workflowService;
    const taskQueue = `${workflowId}-worker`;
    const stickyQueue = `${workflowId}-sticky`;
    const handle = await target.client.workflow.start('provision', {
      taskQueue,
      workflowId,
    });
    const poll = (queue: string, kind = TaskQueueKind.TASK_QUEUE_KIND_NORMAL) =>
      service.pollWorkflowTaskQueue({
        namespace: 'default',
        taskQueue: { name: queue, kind },
        identity: 'hand-worker',
      });
    const pollSticky = () =>
      poll(stickyQueue, TaskQueueKind.TASK_QUEUE_KIND_STICKY);
    const complete = (task: PollAnswer) =>
      service.respondWorkflowTaskCompleted({
        namespace: 'default',
        taskToken: task.taskToken,
        identity: 'hand-worker',
        stickyAttributes: {
          workerTaskQueue: { name: stickyQueue },
          scheduleToStartTimeout: {
            seconds: Long.fromNumber(scheduleToStartSeconds),
          },
        },
        commands: [],
      });
    await complete(await poll(taskQueue));
    const giveUp = new AbortController();
    const given = target.connection
      .withAbortSignal(giveUp.signal, pollSticky)
      .catch(() => undefined);
    // Requests on one connection are served in order: the poll waits once this answers, and
    // the server has heard it was given up once the next one answers.
    await service.getSystemInfo({});
    giveUp.abort();
    await given;
    await service.getSystemInfo({});
    return { handle, service, taskQueue, stickyQueue, poll, pollSticky };
  }

  const history = async (handle: { fetchHistory(): Promise<any> }) =>
    (await handle.fetchHistory())
      .events as temporal.api.history.v1.IHistoryEvent[];
  const scheduledQueues = async (handle: { fetchHistory(): Promise<any> }) =>
    (await history(handle))
      .filter(e => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED)
      .map(e => e.workflowTaskScheduledEventAttributes?.taskQueue);

  it('gives the next task to the sticky queue of a worker that has no poll waiting, with only the new events', async () => {
    const { handle, pollSticky, taskQueue, stickyQueue } = await cachedRun(
      dev,
      'sticky-busy',
    );
    await handle.signal('observed', { ready: true });
    const next = await pollSticky();
    expect(next.workflowExecution?.workflowId).toBe('sticky-busy');
    expect(next.history?.events?.map(e => e.eventType)).toEqual([
      EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    ]);
    expect(Number(next.previousStartedEventId)).toBe(3);
    const [, second] = await scheduledQueues(handle);
    expect(second).toMatchObject({
      name: stickyQueue,
      kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY,
      normalName: taskQueue,
    });
  });

  it("moves a task off the sticky queue when the worker's schedule-to-start timeout passes, with the whole history", async () => {
    const { handle, poll, taskQueue } = await cachedRun(
      dev,
      'sticky-timeout',
      1,
    );
    await handle.signal('observed', { ready: true });
    // Nobody takes it from the sticky queue: after a second it is on the normal queue.
    const next = await poll(taskQueue);
    expect(next.history?.events?.[0]?.eventType).toBe(
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
    );
    const events = await history(handle);
    const timedOut = events.find(
      e => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
    );
    expect(timedOut?.workflowTaskTimedOutEventAttributes?.timeoutType).toBe(
      TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START,
    );
    const queues = await scheduledQueues(handle);
    expect(queues.map(q => q?.kind)).toEqual([
      TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
      TaskQueueKind.TASK_QUEUE_KIND_STICKY,
      TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
    ]);
  });

  it('moves a waiting sticky task to the normal queue at once when its worker shuts down, and sends the next there too', async () => {
    const { handle, service, poll, taskQueue, stickyQueue } = await cachedRun(
      dev,
      'sticky-shutdown',
    );
    await handle.signal('observed', { ready: true });
    await service.shutdownWorker({
      namespace: 'default',
      stickyTaskQueue: stickyQueue,
      identity: 'hand-worker',
    });
    // Long before the minute of its schedule-to-start timeout.
    const next = await poll(taskQueue);
    expect(next.history?.events?.[0]?.eventType).toBe(
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
    );
    await service.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: next.taskToken,
      identity: 'hand-worker',
      commands: [],
    });
    await handle.signal('observed', { ready: false });
    await poll(taskQueue);
    expect((await scheduledQueues(handle)).map(q => q?.kind)).toEqual([
      TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
      TaskQueueKind.TASK_QUEUE_KIND_STICKY,
      TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
      TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
    ]);
  });

  it('sends the next task to the normal queue straight away when nobody polled the sticky queue for 10 s', async () => {
    const { handle, poll, taskQueue } = await cachedRun(
      skipping,
      'sticky-gone',
    );
    // 11 s pass in the server's clock (it skips them: nothing runs).
    // A connection with the TestService, as @temporalio/testing makes it.
    const options: InternalConnectionOptions = {
      address: skipping.server.address,
      [InternalConnectionOptionsSymbol]: { supportsTestService: true },
    };
    const testService = await Connection.connect(options);
    try {
      await testService.testService!.unlockTimeSkippingWithSleep({
        duration: { seconds: Long.fromNumber(11) },
      });
    } finally {
      await testService.close();
    }
    await handle.signal('observed', { ready: true });
    const next = await poll(taskQueue);
    expect(next.history?.events?.[0]?.eventType).toBe(
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
    );
    // No timeout was needed: the task was never offered on the sticky queue.
    expect((await scheduledQueues(handle)).map(q => q?.kind)).toEqual([
      TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
      TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
    ]);
    expect(
      (await history(handle)).some(
        e => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
      ),
    ).toBe(false);
  });
});
