/*
 * Conformance: history in pages and history long-polls. A workflow task of a long history comes
 * with its first page and a token for the rest, which a worker without a cache fetches to replay
 * the whole of it; a client reads a history of more than 1000 events page by page; a long-poll for
 * new events answers when one is written, and one for the close event when the run closes.
 */
import { temporal } from '@temporalio/proto';
import { useConformance } from '../__testUtils__/conformance';
import { EventType, ofType, type HistoryEvent } from '../__testUtils__/history';

const { HistoryEventFilterType, WorkflowTaskFailedCause } =
  temporal.api.enums.v1;

jest.setTimeout(60_000);

describe('history', () => {
  const t = useConformance('history');
  const service = () => t.client.workflowService;

  /** The events from a page token on, as a worker fetches the rest of its task's history. */
  async function restOfHistory(
    execution: { workflowId: string; runId: string },
    token: Uint8Array | null | undefined,
  ) {
    const events: HistoryEvent[] = [];
    let nextPageToken = token;
    while (nextPageToken?.length) {
      const page = await service().getWorkflowExecutionHistory({
        namespace: 'default',
        execution,
        nextPageToken,
      });
      events.push(...(page.history?.events ?? []));
      nextPageToken = page.nextPageToken;
    }
    return events;
  }

  it("hands a workflow task of a long history in pages; a worker without a cache fetches the rest with the poll's token", async () => {
    const taskQueue = t.queue('long-history');
    const signals = 300;
    const handle = await t.client.workflow.start('counting', {
      taskQueue,
      workflowId: t.id('long-history'),
      args: [signals],
    });
    // Before any worker polls, each signal is an event of its own.
    for (let sent = 0; sent < signals; sent += 50)
      await Promise.all(
        Array.from({ length: 50 }, () => handle.signal('increment', 1)),
      );

    const task = await service().pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue },
      identity: 'inspecting-worker',
    });
    const startedEventId = Number(task.startedEventId);
    expect(startedEventId).toBeGreaterThan(signals);
    const firstPage = task.history?.events ?? [];
    expect(firstPage.length).toBeGreaterThan(0);
    expect(firstPage.length).toBeLessThan(startedEventId);
    expect(task.nextPageToken?.length).toBeGreaterThan(0);
    const rest = await restOfHistory(
      { workflowId: handle.workflowId, runId: handle.firstExecutionRunId },
      task.nextPageToken,
    );
    const events = [...firstPage, ...rest];
    // Every event once, in order, ending with the task's own started event.
    expect(events.map(e => Number(e.eventId))).toEqual(
      Array.from({ length: startedEventId }, (_, i) => i + 1),
    );
    expect(events[events.length - 1].eventType).toBe(
      EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    );

    // Handed back failed, the task's retry goes to a worker that replays all of it.
    await service().respondWorkflowTaskFailed({
      namespace: 'default',
      taskToken: task.taskToken,
      identity: 'inspecting-worker',
      cause:
        WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE,
      failure: { message: 'only looked at it' },
    });
    const worker = await t.startWorker({ taskQueue, maxCachedWorkflows: 0 });
    expect(await handle.result()).toBe(signals);
    await worker.stop();
  });

  it('pages a history of more than 1000 events to a client that fetches it', async () => {
    const upserts = 1100;
    const handle = await t.client.workflow.start('upsertingMemo', {
      taskQueue: t.taskQueue,
      workflowId: t.id('upserting'),
      args: [upserts],
    });
    expect(await handle.result()).toBe(upserts);

    const first = await service().getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId: handle.workflowId },
    });
    expect(first.nextPageToken?.length).toBeGreaterThan(0);
    const { events } = await handle.fetchHistory();
    expect(events!.length).toBeGreaterThan(upserts);
    expect(events!.map(e => Number(e.eventId))).toEqual(
      Array.from({ length: events!.length }, (_, i) => i + 1),
    );
    expect(
      ofType(events!, EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED),
    ).toHaveLength(upserts);
    expect(events![events!.length - 1].eventType).toBe(
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    );
  });

  it('answers a history long-poll for new events when a signal is written', async () => {
    // Nobody polls its queue: the signal is the only event to come.
    const handle = await t.client.workflow.start('awaitingApproval', {
      taskQueue: t.queue('nobody-polls'),
      workflowId: t.id('long-poll'),
    });
    const execution = { workflowId: handle.workflowId };
    const current = await service().getWorkflowExecutionHistory({
      namespace: 'default',
      execution,
      waitNewEvent: true,
    });
    expect(current.history?.events?.map(e => e.eventType)).toEqual([
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    ]);
    expect(current.nextPageToken?.length).toBeGreaterThan(0);

    let answered = false;
    const waiting = service()
      .getWorkflowExecutionHistory({
        namespace: 'default',
        execution,
        nextPageToken: current.nextPageToken,
        waitNewEvent: true,
      })
      .finally(() => {
        answered = true;
      });
    // A round trip later it still waits: there is nothing new yet.
    await handle.describe();
    expect(answered).toBe(false);

    await handle.signal('approve', 'pat');
    const news = await waiting;
    expect(news.history?.events?.map(e => e.eventType)).toEqual([
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
    ]);
    expect(news.nextPageToken?.length).toBeGreaterThan(0);
    await handle.terminate('done with it');
  });

  it('answers a history long-poll for the close event when the run closes, with that event alone', async () => {
    const handle = await t.client.workflow.start('awaitingApproval', {
      taskQueue: t.taskQueue,
      workflowId: t.id('close-poll'),
    });
    let answered = false;
    const waiting = service()
      .getWorkflowExecutionHistory({
        namespace: 'default',
        execution: {
          workflowId: handle.workflowId,
          runId: handle.firstExecutionRunId,
        },
        waitNewEvent: true,
        historyEventFilterType:
          HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
      })
      .finally(() => {
        answered = true;
      });
    // A round trip later it still waits: the run waits for its approval.
    await handle.describe();
    expect(answered).toBe(false);

    await handle.signal('approve', 'pat');
    const answer = await waiting;
    const events = answer.history?.events ?? [];
    expect(events.map(e => e.eventType)).toEqual([
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    ]);
    const [payload] =
      events[0].workflowExecutionCompletedEventAttributes?.result?.payloads ??
      [];
    expect(Buffer.from(payload.data!).toString()).toBe('"approved by pat"');
    expect(answer.nextPageToken?.length ?? 0).toBe(0);
  });
});
