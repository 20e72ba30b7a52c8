/*
 * Eager activities, driven through the gRPC API by hand as a worker drives it: an activity the
 * worker asks to run eagerly on the workflow's own task queue comes back already started in the
 * answer to its workflow task; one on another queue, one not asked for, or any when the server
 * has eager execution off is scheduled on its queue for a poller, as before.
 */
import { temporal } from '@temporalio/proto';
import Long from 'long';
import { useDevServer, type DevServerContext } from './__testUtils__/devServer';
import { parseCommandLine, UsageError } from './commandLine';

const { CommandType, PendingActivityState, EventType } = temporal.api.enums.v1;
type CompletedAnswer =
  temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedResponse;
interface ActivityRequest {
  requestEagerExecution: boolean;
  /** Default: the workflow's own task queue. */
  taskQueue?: string;
}

// Each test talks to a dev server started in this file: under a second on an idle
// machine; the budget leaves room for one several times busier.
jest.setTimeout(30_000);

describe('eager activities', () => {
  const server = useDevServer();
  const withoutEager = useDevServer({ eagerActivities: false });

  /**
   * Starts a workflow on `target`, takes its first workflow task and answers it with one
   * activity; what the server answered, and a handle to look at the workflow.
   */
  async function scheduleOne(
    target: DevServerContext,
    workflowId: string,
    activity: ActivityRequest,
  ) {
    // A queue of its own, so that no other test's workflow task is taken instead.
    const taskQueue = `${workflowId}-worker`;
    const handle = await target.client.workflow.start('provision', {
      taskQueue,
      workflowId,
    });
    const service = target.connection.workflowService;
    const task = await service.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue },
      identity: 'hand-worker',
    });
    const answer: CompletedAnswer = await service.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: task.taskToken,
      identity: 'hand-worker',
      commands: [
        {
          commandType: CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
          scheduleActivityTaskCommandAttributes: {
            activityId: 'apply',
            activityType: { name: 'applyResource' },
            taskQueue: { name: activity.taskQueue ?? taskQueue },
            startToCloseTimeout: { seconds: Long.fromNumber(30) },
            requestEagerExecution: activity.requestEagerExecution,
          },
        },
      ],
    });
    const pending = async () =>
      (await handle.describe()).raw.pendingActivities ?? [];
    return { service, handle, answer, pending, taskQueue };
  }

  it('starts an activity asked for eagerly on the workflow’s queue and hands it back with the answer', async () => {
    const { service, handle, answer, pending } = await scheduleOne(
      server,
      'eager-1',
      { requestEagerExecution: true },
    );
    expect(answer.activityTasks).toHaveLength(1);
    const [activity] = answer.activityTasks!;
    expect(activity).toMatchObject({
      activityId: 'apply',
      activityType: { name: 'applyResource' },
      attempt: 1,
      workflowExecution: { workflowId: 'eager-1' },
    });
    // Started for the worker that asked, not waiting on the queue for a poller.
    expect(await pending()).toEqual([
      expect.objectContaining({
        activityId: 'apply',
        state: PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
      }),
    ]);

    await service.respondActivityTaskCompleted({
      namespace: 'default',
      taskToken: activity.taskToken,
      identity: 'hand-worker',
    });
    const { events } = await handle.fetchHistory();
    const started = events!.find(
      e => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
    );
    expect(started?.activityTaskStartedEventAttributes?.identity).toBe(
      'hand-worker',
    );
    expect(events!.map(e => e.eventType)).toContain(
      EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
    );
    // The completion asks for the next workflow task, as after any activity.
    expect(events![events!.length - 1].eventType).toBe(
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    );
  });

  it.each<[string, string, ActivityRequest]>([
    [
      'an activity on another task queue',
      'eager-2',
      { requestEagerExecution: true, taskQueue: 'elsewhere' },
    ],
    [
      'an activity not asked for eagerly',
      'eager-3',
      { requestEagerExecution: false },
    ],
  ])('schedules %s on its queue for a poller', async (_, id, activity) => {
    const { service, answer, pending, taskQueue } = await scheduleOne(
      server,
      id,
      activity,
    );
    expect(answer.activityTasks ?? []).toEqual([]);
    expect(await pending()).toEqual([
      expect.objectContaining({
        state: PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED,
      }),
    ]);
    const polled = await service.pollActivityTaskQueue({
      namespace: 'default',
      taskQueue: { name: activity.taskQueue ?? taskQueue },
      identity: 'poller',
    });
    expect(polled.workflowExecution?.workflowId).toBe(id);
  });

  it('hands back nothing when the server has eager execution off', async () => {
    const { answer, pending } = await scheduleOne(withoutEager, 'eager-off', {
      requestEagerExecution: true,
    });
    expect(answer.activityTasks ?? []).toEqual([]);
    expect(await pending()).toEqual([
      expect.objectContaining({
        state: PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED,
      }),
    ]);
  });

  it('is switched by the dynamic config key Temporal uses', () => {
    const flag = (value: string) =>
      parseCommandLine([
        'server',
        'start-dev',
        '--dynamic-config-value',
        `system.enableActivityEagerExecution=${value}`,
      ]);
    expect(flag('false').eagerActivities).toBe(false);
    expect(flag('true').eagerActivities).toBe(true);
    expect(() => flag('sometimes')).toThrow(
      new UsageError(
        "system.enableActivityEagerExecution takes true or false, not 'sometimes'",
      ),
    );
  });
});
