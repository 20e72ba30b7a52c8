/*
 * Workflow tasks' lifecycle: one open at a time per run, offered on the run's task queue or a
 * worker's sticky queue, started by a poll, timed out (never taken within the sticky worker's
 * schedule-to-start timeout, or never answered), failed and retried with Temporal's attempts and
 * backoff, and closed when completed. What a completion does is the engine's.
 */
import * as grpc from '@grpc/grpc-js';
import type { temporal } from '@temporalio/proto';
import type { Deadlines } from './Deadlines';
import type { Plain } from './grpc/plain';
import { RpcError } from './grpc/serviceDefinition';
import { historyAnswer, historyPage } from './history/pages';
import { durationMs, timestamp } from './history/time';
import {
  isRunning,
  isTransient,
  type Execution,
  type HistoryEvent,
  type NewEvent,
  type WorkflowTaskState,
} from './state';
import { decodeToken, encodeToken } from './taskTokens';
import { TaskQueues } from './TaskQueues';
import type { WorkflowExecutions } from './WorkflowExecutions';
import type { PendingQuery } from './WorkflowQueries';
import type { WorkflowUpdates } from './WorkflowUpdates';
import {
  normalQueue,
  scheduledEvent,
  startedEvent,
  transientEvents,
  workflowTaskFailedEvent,
  workflowTaskTimedOutEvent,
} from './workflowTaskEvents';

/** What a workflow task queue holds: a run's workflow task, or a query task of its own. */
export interface WorkflowTask {
  execution: Execution;
  scheduledEventId: number;
  /** A query rides a workflow task of its own that changes nothing (a "legacy query" task). */
  query?: PendingQuery;
}

type CompletedRequest =
  Plain<temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedRequest>;

/**
 * A sticky queue nobody polled for this long has lost its worker, as Temporal's matching judges
 * (stickyPollerUnavailableWindow): its runs' tasks go to the normal queue at once.
 */
const STICKY_POLLER_UNAVAILABLE_MS = 10_000;

/** How long a sticky task waits for its worker when the worker set no schedule-to-start timeout. */
const DEFAULT_STICKY_SCHEDULE_TO_START_MS = 10_000;

export class WorkflowTasks {
  readonly queues: TaskQueues<WorkflowTask>;

  constructor(
    private readonly executions: WorkflowExecutions,
    private readonly deadlines: Deadlines,
    private readonly updates: WorkflowUpdates,
  ) {
    this.queues = new TaskQueues<WorkflowTask>(() => deadlines.clock.now());
  }

  private deadlineName(e: Execution) {
    return `${e.runId}/workflow-task`;
  }

  /**
   * Asks for a workflow task: now, or when the open one completes. `forWorker` keeps it off the
   * queues: the worker that just completed a task takes it in the answer (returnNewWorkflowTask).
   */
  request(e: Execution, forWorker = false): void {
    if (!isRunning(e)) return;
    if (e.workflowTask) {
      e.needsWorkflowTask = true;
      return;
    }
    // As Temporal's matching does: a sticky queue nobody polled lately (its worker is gone) is
    // skipped. One whose worker is only busy keeps the task until the worker's schedule-to-start
    // timeout, below.
    if (
      !forWorker &&
      e.sticky &&
      !this.queues.polledWithin(
        e.namespace,
        e.sticky.queue,
        STICKY_POLLER_UNAVAILABLE_MS,
      )
    )
      e.sticky = undefined;
    const sticky = e.sticky;
    const now = this.deadlines.clock.now();
    const task: WorkflowTaskState = {
      scheduledEventId: e.history.length + 1,
      attempt: e.workflowTaskAttempt ?? 1,
      queue: sticky?.queue ?? e.taskQueue,
      sticky: Boolean(sticky),
      scheduledAt: now,
      updateIds: [],
    };
    if (!isTransient(task)) this.executions.append(e, scheduledEvent(e, task));
    e.workflowTask = task;
    e.needsWorkflowTask = false;
    this.executions.changed(e);
    if (forWorker) return;
    const queued: WorkflowTask = {
      execution: e,
      scheduledEventId: task.scheduledEventId,
    };
    this.queues.add(e.namespace, task.queue, queued);
    if (sticky) {
      // Not taken within the sticky worker's schedule-to-start timeout: the task moves to the
      // normal queue, as Temporal moves it (a timed-out event, then a task with the whole history).
      this.deadlines.arm(
        this.deadlineName(e),
        now + sticky.scheduleToStartMs,
        () => {
          if (e.workflowTask !== task || task.startedEventId) return;
          this.queues.remove(e.namespace, task.queue, queued);
          this.end(
            e,
            workflowTaskTimedOutEvent(task, 'TIMEOUT_TYPE_SCHEDULE_TO_START'),
          );
        },
      );
    }
  }

  /**
   * Starts a polled workflow task; the poll's answer, without the queries that ride it, or
   * undefined when the task went stale meanwhile.
   */
  start(task: WorkflowTask, identity: string) {
    const e = task.execution;
    const open = e.workflowTask;
    if (
      !isRunning(e) ||
      open?.scheduledEventId !== task.scheduledEventId ||
      open.startedEventId
    )
      return undefined;
    const now = this.deadlines.clock.now();
    if (isTransient(open) && open.scheduledEventId !== e.history.length + 1) {
      // Events came while the retry waited for a worker: it has news to deliver, so it becomes a
      // first attempt, written down, as Temporal converts it.
      open.attempt = 1;
      open.scheduledEventId = e.history.length + 1;
      open.scheduledAt = now;
      this.executions.append(e, scheduledEvent(e, open));
    }
    open.startedAt = now;
    open.startedIdentity = identity;
    open.startedEventId = isTransient(open)
      ? open.scheduledEventId + 1
      : e.history.length + 1;
    if (!isTransient(open)) this.executions.append(e, startedEvent(e, open));
    this.armTimeout(e);
    const { messages, ids } = this.updates.deliver(e, open.startedEventId);
    open.updateIds = ids;
    this.executions.changed(e);
    const events = this.history(e);
    // A sticky worker has the run cached: it gets only what happened since its last task.
    const page = historyPage(
      events,
      open.sticky ? e.previousStartedEventId : 0,
      { end: events.length },
    );
    return {
      taskToken: encodeToken({
        kind: 'workflow',
        namespace: e.namespace,
        workflowId: e.workflowId,
        runId: e.runId,
        scheduledEventId: open.scheduledEventId,
        attempt: open.attempt,
      }),
      workflowExecution: { workflowId: e.workflowId, runId: e.runId },
      workflowType: { name: e.workflowType },
      previousStartedEventId: e.previousStartedEventId,
      startedEventId: open.startedEventId,
      attempt: open.attempt,
      ...historyAnswer(page),
      workflowExecutionTaskQueue: normalQueue(e),
      scheduledTime: timestamp(open.scheduledAt),
      startedTime: timestamp(now),
      messages,
    };
  }

  /**
   * The history a worker sees for the run's open workflow task: the run's, and a transient task's
   * own events after it.
   */
  history(e: Execution): HistoryEvent[] {
    const transient = transientEvents(e);
    return transient.length ? [...e.history, ...transient] : e.history;
  }

  /** Times out the run's started workflow task if its worker does not answer in time. */
  private armTimeout(e: Execution) {
    const task = e.workflowTask!;
    this.deadlines.arm(
      this.deadlineName(e),
      (task.startedAt ?? this.deadlines.clock.now()) + e.workflowTaskTimeoutMs,
      () => {
        if (e.workflowTask !== task) return;
        this.end(
          e,
          workflowTaskTimedOutEvent(task, 'TIMEOUT_TYPE_START_TO_CLOSE'),
        );
      },
    );
  }

  /** Re-arms the workflow task of a run loaded from a store. */
  resume(e: Execution): void {
    const task = e.workflowTask;
    if (task?.startedEventId) {
      // Its worker may still answer; if not, the task times out as usual.
      this.armTimeout(e);
    } else if (task && !task.sticky) {
      this.queues.add(e.namespace, task.queue, {
        execution: e,
        scheduledEventId: task.scheduledEventId,
      });
    } else if (task) {
      // Sticky workers did not survive the restart: offer it on the normal queue.
      this.end(
        e,
        workflowTaskTimedOutEvent(task, 'TIMEOUT_TYPE_SCHEDULE_TO_START'),
      );
    } else if (e.needsWorkflowTask) {
      this.request(e);
    }
  }

  /**
   * Ends the open workflow task without its commands (it failed or timed out): writes the event
   * and what was buffered, and offers a new task on the normal queue with the whole history.
   */
  end(e: Execution, event: NewEvent, failed = false): void {
    const task = e.workflowTask!;
    this.deadlines.disarm(this.deadlineName(e));
    // A retry that failed again leaves no trace: its own events were never written.
    if (!isTransient(task)) this.executions.append(e, event);
    e.workflowTask = undefined;
    const hadStickyWorker = task.sticky || e.sticky !== undefined;
    e.sticky = undefined;
    this.updates.redeliver(e, task.updateIds);
    const delivered = this.executions.flush(e);
    // As Temporal counts: the next attempt is one more, unless the run had a sticky worker (it is
    // retried once on the normal queue as a first attempt) or there is news to deliver.
    e.workflowTaskAttempt = hadStickyWorker || delivered ? 1 : task.attempt + 1;
    if (!failed) {
      this.request(e);
      return;
    }
    // A workflow that keeps failing its tasks is retried with backoff, not in a tight loop.
    e.failedWorkflowTasks += 1;
    const delay =
      e.failedWorkflowTasks <= 1
        ? 0
        : Math.min(10_000, 500 * 2 ** (e.failedWorkflowTasks - 2));
    this.deadlines.arm(
      this.deadlineName(e),
      this.deadlines.clock.now() + delay,
      () => this.request(e),
    );
  }

  /** The started workflow task a task token names, or NOT_FOUND as Temporal answers. */
  open(tokenBytes: Uint8Array | undefined) {
    const token = decodeToken(tokenBytes, 'workflow');
    const e = this.executions.find(
      token.namespace,
      token.workflowId,
      token.runId,
    );
    const task = e?.workflowTask;
    if (
      !e ||
      !isRunning(e) ||
      task?.scheduledEventId !== token.scheduledEventId ||
      task.attempt !== token.attempt ||
      !task.startedEventId
    ) {
      // Temporal's answer: the task timed out, was answered already, or the workflow closed.
      throw new RpcError(grpc.status.NOT_FOUND, 'Workflow task not found.');
    }
    return { e, task, startedEventId: task.startedEventId };
  }

  /** The worker reports that its workflow task failed (RespondWorkflowTaskFailed). */
  fail(
    request: Plain<temporal.api.workflowservice.v1.IRespondWorkflowTaskFailedRequest>,
  ): void {
    const { e, task, startedEventId } = this.open(request.taskToken);
    this.end(
      e,
      workflowTaskFailedEvent(task, startedEventId, request.identity, {
        cause: request.cause,
        failure: request.failure,
      }),
      true,
    );
  }

  /**
   * Closes the open workflow task as completed, before its commands are applied: its events
   * written (a retry's own first), its attempts reset, and the worker's sticky queue kept for the
   * run's next tasks. Returns the completed event's ID.
   */
  complete(
    e: Execution,
    task: WorkflowTaskState,
    startedEventId: number,
    request: CompletedRequest,
  ): number {
    this.deadlines.disarm(this.deadlineName(e));
    // A retry's own events are written now that it completed.
    if (isTransient(task))
      this.executions.append(e, scheduledEvent(e, task), startedEvent(e, task));
    const [completed] = this.executions.append(e, {
      eventType: 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED',
      field: 'workflowTaskCompletedEventAttributes',
      attributes: {
        scheduledEventId: task.scheduledEventId,
        startedEventId,
        identity: request.identity,
        sdkMetadata: request.sdkMetadata,
        meteringMetadata: request.meteringMetadata,
      },
    });
    e.workflowTask = undefined;
    e.failedWorkflowTasks = 0;
    e.workflowTaskAttempt = 1;
    e.previousStartedEventId = startedEventId;
    const sticky = request.stickyAttributes;
    e.sticky = sticky?.workerTaskQueue?.name
      ? {
          queue: sticky.workerTaskQueue.name,
          scheduleToStartMs:
            durationMs(sticky.scheduleToStartTimeout) ||
            DEFAULT_STICKY_SCHEDULE_TO_START_MS,
        }
      : undefined;
    return completed.eventId;
  }

  /** A worker shut down: its sticky runs go back to the normal queue, their waiting tasks at once. */
  dropStickyQueue(namespace: string, queue: string): void {
    this.queues.forget(namespace, queue);
    for (const e of this.executions.all()) {
      if (e.namespace !== namespace || !isRunning(e)) continue;
      if (e.sticky?.queue === queue) e.sticky = undefined;
      const task = e.workflowTask;
      if (task?.sticky && task.queue === queue && !task.startedEventId)
        this.end(
          e,
          workflowTaskTimedOutEvent(task, 'TIMEOUT_TYPE_SCHEDULE_TO_START'),
        );
    }
  }
}
