/*
 * The answer to a workflow task's completion, driven through the gRPC API by hand as a worker
 * drives it: a signal that arrives while a workflow task runs makes a new task due when it
 * completes; a worker that keeps the run cached (sticky) and asks for it gets that task, already
 * started, in the answer (returnNewWorkflowTask), with the events since its last task; one that
 * does not cache the run finds it on the queue. A completion that would close the workflow while
 * the signal waits is refused with the answer the SDK knows.
 */
import { temporal } from '@temporalio/proto';
import Long from 'long';
import { useDevServer } from './__testUtils__/devServer';

const { CommandType, EventType, WorkflowTaskFailedCause } =
  temporal.api.enums.v1;
type CompletedAnswer =
  temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedResponse;

// Each test talks to a dev server started in this file: under a second on an idle
// machine; the budget leaves room for one several times busier.
jest.setTimeout(30_000);

describe('returnNewWorkflowTask', () => {
  const dev = useDevServer();

  /** Takes a workflow's first task, signals it meanwhile, and completes the task with nothing. */
  async function completeWhileSignalled(
    workflowId: string,
    options: { sticky: boolean },
  ) {
    const taskQueue = `${workflowId}-worker`;
    const service = dev.connection.workflowService;
    const handle = await dev.client.workflow.start('provision', {
      taskQueue,
      workflowId,
    });
    const first = await service.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue },
      identity: 'hand-worker',
    });
    await handle.signal('observed', { ready: true });
    const answer: CompletedAnswer = await service.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: first.taskToken,
      identity: 'hand-worker',
      returnNewWorkflowTask: true,
      stickyAttributes: options.sticky
        ? {
            workerTaskQueue: { name: `${taskQueue}-sticky` },
            scheduleToStartTimeout: { seconds: Long.fromNumber(10) },
          }
        : undefined,
      commands: [],
    });
    return { service, handle, answer, taskQueue };
  }

  it('hands the next task, started, to the worker that caches the run', async () => {
    const { service, handle, answer } = await completeWhileSignalled(
      'inline-1',
      { sticky: true },
    );
    const next = answer.workflowTask;
    expect(next?.workflowExecution?.workflowId).toBe('inline-1');
    // Only what happened after the worker's last task started (as for a sticky poll).
    expect(next?.history?.events?.map(e => e.eventType)).toEqual([
      EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    ]);
    expect(Number(next?.previousStartedEventId)).toBe(3);

    await service.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: next!.taskToken,
      identity: 'hand-worker',
      commands: [],
    });
    const { events } = await handle.fetchHistory();
    expect(events!.map(e => e.eventType)).toEqual([
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    ]);
    expect(events![6].workflowTaskStartedEventAttributes?.identity).toBe(
      'hand-worker',
    );
  });

  it('leaves the next task on the queue for a worker that does not cache the run', async () => {
    const { service, answer, taskQueue } = await completeWhileSignalled(
      'inline-2',
      { sticky: false },
    );
    expect(answer.workflowTask ?? undefined).toBeUndefined();
    const polled = await service.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue },
      identity: 'another-worker',
    });
    expect(polled.workflowExecution?.workflowId).toBe('inline-2');
    // A worker without the run gets the whole history.
    expect(polled.history?.events?.[0]?.eventType).toBe(
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
    );
  });

  it('refuses a completion that closes the workflow while a signal waits, answering UnhandledCommand', async () => {
    const taskQueue = 'unhandled-worker';
    const service = dev.connection.workflowService;
    const handle = await dev.client.workflow.start('provision', {
      taskQueue,
      workflowId: 'unhandled-1',
    });
    const first = await service.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue },
      identity: 'hand-worker',
    });
    await handle.signal('observed', { ready: true });
    const refusal = await service
      .respondWorkflowTaskCompleted({
        namespace: 'default',
        taskToken: first.taskToken,
        identity: 'hand-worker',
        commands: [
          {
            commandType: CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
            completeWorkflowExecutionCommandAttributes: {},
          },
        ],
      })
      .catch(e => e);
    // Temporal's words, by which the SDK evicts the run without reporting anything.
    expect(refusal.code).toBe(3);
    expect(refusal.details).toBe('UnhandledCommand');
    const next = await service.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue },
      identity: 'hand-worker',
    });
    const events = next.history?.events ?? [];
    expect(events.map(e => e.eventType)).toEqual([
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    ]);
    expect(events[3].workflowTaskFailedEventAttributes?.cause).toBe(
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
    );
    // A task with news to deliver is a first attempt.
    expect(next.attempt).toBe(1);
  });
});
