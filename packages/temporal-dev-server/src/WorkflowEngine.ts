/*
 * What moves a workflow forward: workflow tasks (one open at a time, offered on the run's task
 * queue or a worker's sticky queue, timed out and retried), the commands a worker answers them
 * with, and what arrives from outside: signals, cancellation, termination, updates and queries.
 * Activities, updates and child workflows have modules of their own.
 */
import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { ActivityTasks, type ActivityTask } from './ActivityTasks';
import { systemClock, type Clock } from './clock';
import { ChildWorkflows, type RunControl } from './ChildWorkflows';
import { Deadlines } from './Deadlines';
import { packAny } from './grpc/any';
import { RpcError } from './grpc/serviceDefinition';
import { historyAnswer, historyPage } from './history/pages';
import { durationMs, timestamp } from './history/time';
import {
  isRunning,
  isTransient,
  type Execution,
  type ExecutionStatus,
  type HistoryEvent,
  type NewEvent,
  type WorkflowTaskState,
} from './state';
import { decodeToken, encodeToken } from './taskTokens';
import { TaskQueues } from './TaskQueues';
import type {
  StartRequest,
  StartResult,
  WorkflowExecutions,
} from './WorkflowExecutions';
import { WorkflowUpdates, type UpdateStage } from './WorkflowUpdates';
import { unimplementedStartOption } from './startRequests';
import type { Visibility } from './visibility/Visibility';
import {
  normalQueue,
  scheduledEvent,
  startedEvent,
  transientEvents,
  workflowTaskFailedEvent,
} from './workflowTaskEvents';

export interface WorkflowTask {
  execution: Execution;
  scheduledEventId: number;
  /** A query rides a workflow task of its own that changes nothing (a "legacy query" task). */
  query?: { id: string; request: any };
}

export interface QueryAnswer {
  answered: boolean;
  result?: unknown;
  error?: string;
  failure?: unknown;
}

// temporal.api.enums.v1.CommandType
const COMMAND = {
  SCHEDULE_ACTIVITY_TASK: 1,
  REQUEST_CANCEL_ACTIVITY_TASK: 2,
  START_TIMER: 3,
  COMPLETE_WORKFLOW_EXECUTION: 4,
  FAIL_WORKFLOW_EXECUTION: 5,
  CANCEL_TIMER: 6,
  CANCEL_WORKFLOW_EXECUTION: 7,
  REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION: 8,
  RECORD_MARKER: 9,
  CONTINUE_AS_NEW_WORKFLOW_EXECUTION: 10,
  START_CHILD_WORKFLOW_EXECUTION: 11,
  SIGNAL_EXTERNAL_WORKFLOW_EXECUTION: 12,
  UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: 13,
  PROTOCOL_MESSAGE: 14,
  MODIFY_WORKFLOW_PROPERTIES: 16,
} as const;

const KNOWN_COMMANDS = new Set<number>(Object.values(COMMAND));

/** Each command type's short name, as Temporal's messages print it ("StartTimer"). */
const COMMAND_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(COMMAND).map(([name, type]) => [type, shortName(name)]),
);

/** An enum value's short name, as Temporal's Go enums print it: START_TIMER → StartTimer. */
function shortName(screaming: string): string {
  return screaming
    .toLowerCase()
    .split('_')
    .map(word => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/** One thing a workflow task's completion does: handle a protocol message, or apply a command. */
interface CompletionStep {
  command?: any;
  /** A protocol message; with a ProtocolMessage command, the message it names (if present). */
  message?: any;
}

/**
 * A completion's messages and commands in the order they take effect, as the Temporal server
 * orders them: a worker that sequences no message with a ProtocolMessage command has its messages
 * handled before its commands (it produced them first); otherwise each where its command names
 * it, and those no command names (rejections leave no event) after the commands.
 */
function completionSteps(commands: any[], messages: any[]): CompletionStep[] {
  const byId = new Map<string, any>(messages.map(m => [m.id, m]));
  const steps: CompletionStep[] = [];
  const sequenced = commands.some(
    c => c.commandType === COMMAND.PROTOCOL_MESSAGE,
  );
  if (!sequenced) {
    for (const message of byId.values()) steps.push({ message });
    byId.clear();
  }
  for (const command of commands) {
    if (command.commandType !== COMMAND.PROTOCOL_MESSAGE) {
      steps.push({ command });
      continue;
    }
    const id = command.protocolMessageCommandAttributes?.messageId;
    steps.push({ command, message: byId.get(id) });
    byId.delete(id);
  }
  for (const message of byId.values()) steps.push({ message });
  return steps;
}

const ACTIVITY_FINISHES = new Set([
  'EVENT_TYPE_ACTIVITY_TASK_COMPLETED',
  'EVENT_TYPE_ACTIVITY_TASK_FAILED',
  'EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT',
  'EVENT_TYPE_ACTIVITY_TASK_CANCELED',
]);

/** `make()`'s result, made on the first call and kept. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/** The activities (by scheduled event ID) that finished while the workflow task ran. */
function bufferedActivityFinishes(e: Execution): Set<number> {
  const finished = new Set<number>();
  for (const batch of e.buffered)
    for (const event of batch.events)
      if (ACTIVITY_FINISHES.has(event.eventType))
        finished.add(Number(event.attributes.scheduledEventId));
  return finished;
}

const CLOSING_COMMANDS = new Set<number>([
  COMMAND.COMPLETE_WORKFLOW_EXECUTION,
  COMMAND.FAIL_WORKFLOW_EXECUTION,
  COMMAND.CANCEL_WORKFLOW_EXECUTION,
  COMMAND.CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
]);

/**
 * Temporal's WorkflowNotReady: FAILED_PRECONDITION, with the details by which clients know it
 * (a query or update the run cannot take in its state).
 */
const workflowNotReady = (message: string) =>
  new RpcError(
    grpc.status.FAILED_PRECONDITION,
    message,
    packAny('temporal.api.errordetails.v1.WorkflowNotReadyFailure', {}),
  );

/** From this attempt on, a run's workflow task counts as failing: queries and updates fail fast. */
const FAILING_WORKFLOW_TASK_ATTEMPT = 3;

/** A failure the server reports (a refused workflow task), as Temporal builds it. */
const serverFailure = (message: string) => ({
  message,
  serverFailureInfo: { nonRetryable: false },
});

export const signaledEvent = (request: any): NewEvent => ({
  eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED',
  field: 'workflowExecutionSignaledEventAttributes',
  attributes: {
    signalName: request.signalName,
    input: request.input,
    identity: request.identity,
    header: request.header,
    externalWorkflowExecution: request.externalWorkflowExecution,
  },
});

/**
 * A sticky queue nobody polled for this long has lost its worker, as Temporal's matching judges
 * (stickyPollerUnavailableWindow): its runs' tasks go to the normal queue at once.
 */
const STICKY_POLLER_UNAVAILABLE_MS = 10_000;

export class WorkflowEngine implements RunControl {
  readonly workflowTasks: TaskQueues<WorkflowTask>;
  readonly deadlines: Deadlines;
  readonly activities: ActivityTasks;
  readonly updates: WorkflowUpdates;
  private readonly children: ChildWorkflows;
  private readonly queries = new Map<string, (answer: QueryAnswer) => void>();
  /** Which worker took a query, for the message when it never answers. */
  private readonly queryTakenBy = new Map<string, string>();

  constructor(
    private readonly executions: WorkflowExecutions,
    private readonly visibility: Visibility,
    readonly clock: Clock = systemClock,
    private readonly options: { eagerActivities?: boolean } = {},
  ) {
    this.deadlines = new Deadlines(clock);
    this.workflowTasks = new TaskQueues<WorkflowTask>(() => clock.now());
    this.activities = new ActivityTasks(executions, this.deadlines, e =>
      this.requestWorkflowTask(e),
    );
    this.updates = new WorkflowUpdates(executions);
    this.children = new ChildWorkflows(executions, this);
  }

  stop(): void {
    this.deadlines.disarmAll();
    this.workflowTasks.releaseAll();
    this.activities.queues.releaseAll();
  }

  // ---- Runs -------------------------------------------------------------------------------

  /** Starts a run of a workflow (clients, signal-with-start, child workflows). */
  startRun(
    namespace: string,
    request: any,
    parent?: Execution['parent'],
    /** Events before the first workflow task (signal-with-start's signal). */
    initialEvents: NewEvent[] = [],
  ): StartResult {
    const workflowId = request.workflowId;
    const startRequest: StartRequest = {
      namespace,
      workflowId,
      workflowType: request.workflowType.name,
      taskQueue: request.taskQueue.name,
      requestId: request.requestId || `${workflowId}/${randomUUID()}`,
      reusePolicy: request.workflowIdReusePolicy ?? 0,
      conflictPolicy: request.workflowIdConflictPolicy ?? 0,
      memo: request.memo,
      searchAttributes: request.searchAttributes,
      parent,
      attributes: {
        workflowType: request.workflowType,
        taskQueue: {
          name: request.taskQueue.name,
          kind: 'TASK_QUEUE_KIND_NORMAL',
        },
        input: request.input,
        workflowExecutionTimeout: request.workflowExecutionTimeout,
        workflowRunTimeout: request.workflowRunTimeout,
        workflowTaskTimeout: request.workflowTaskTimeout,
        identity: request.identity,
        memo: request.memo,
        searchAttributes: request.searchAttributes,
        header: request.header,
        retryPolicy: request.retryPolicy,
        workflowId,
      },
    };
    const admitted = this.executions.admit(startRequest);
    if (admitted?.kind === 'terminate-existing') {
      this.terminate(
        admitted.execution,
        'terminated by a new start (conflict policy)',
        request.identity ?? '',
      );
    } else if (admitted) {
      return admitted;
    }
    const execution = this.executions.create(startRequest);
    if (initialEvents.length)
      this.executions.append(execution, ...initialEvents);
    this.begin(execution);
    return { kind: 'started', execution };
  }

  /** A new run's first workflow task and its run timeout. */
  private begin(e: Execution) {
    if (e.runDeadline)
      this.deadlines.arm(`${e.runId}/run`, e.runDeadline, () =>
        this.timeOutRun(e),
      );
    this.requestWorkflowTask(e);
  }

  /** Re-arms the deadlines and tasks of a run loaded from a store. */
  resume(e: Execution): void {
    if (!isRunning(e)) return;
    if (e.runDeadline)
      this.deadlines.arm(`${e.runId}/run`, e.runDeadline, () =>
        this.timeOutRun(e),
      );
    for (const [timerId, timer] of Object.entries(e.timers))
      this.armTimer(e, timerId, timer.fireAt);
    this.activities.resume(e);
    const task = e.workflowTask;
    if (task?.startedEventId) {
      // Its worker may still answer; if not, the task times out as usual.
      this.armWorkflowTaskTimeout(e);
    } else if (task && !task.sticky) {
      this.workflowTasks.add(e.namespace, task.queue, {
        execution: e,
        scheduledEventId: task.scheduledEventId,
      });
    } else if (task) {
      // Sticky workers did not survive the restart: offer it on the normal queue.
      this.endWorkflowTask(e, {
        eventType: 'EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT',
        field: 'workflowTaskTimedOutEventAttributes',
        attributes: {
          scheduledEventId: task.scheduledEventId,
          timeoutType: 'TIMEOUT_TYPE_SCHEDULE_TO_START',
        },
      });
    } else if (e.needsWorkflowTask) {
      this.requestWorkflowTask(e);
    }
  }

  private close(
    e: Execution,
    status: ExecutionStatus,
    event: NewEvent,
    next?: Execution,
  ) {
    const closing = this.executions.close(e, status, event);
    this.deadlines.disarmAll(e.runId);
    e.activities = {};
    e.timers = {};
    e.sticky = undefined;
    this.updates.onClose(e, next);
    this.children.onClose(e, closing);
  }

  terminate(
    e: Execution,
    reason: string,
    identity: string,
    details?: unknown,
  ): void {
    this.close(e, 'WORKFLOW_EXECUTION_STATUS_TERMINATED', {
      eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED',
      field: 'workflowExecutionTerminatedEventAttributes',
      attributes: { reason, details, identity },
    });
  }

  private timeOutRun(e: Execution) {
    if (!isRunning(e)) return;
    this.close(e, 'WORKFLOW_EXECUTION_STATUS_TIMED_OUT', {
      eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT',
      field: 'workflowExecutionTimedOutEventAttributes',
      attributes: { retryState: 'RETRY_STATE_RETRY_POLICY_NOT_SET' },
    });
  }

  /** Records events on a run and asks for a workflow task to deliver them. */
  notify(e: Execution, ...events: NewEvent[]): void {
    if (!isRunning(e)) return;
    this.executions.record(e, { events });
    this.requestWorkflowTask(e);
  }

  signal(e: Execution, request: any): void {
    if (!isRunning(e)) {
      throw new RpcError(
        grpc.status.NOT_FOUND,
        'workflow execution already completed',
      );
    }
    this.notify(e, signaledEvent(request));
  }

  /** Asks the workflow to cancel itself; only the first request is recorded. */
  requestCancel(e: Execution, attributes: Record<string, unknown>): void {
    if (!isRunning(e)) {
      throw new RpcError(
        grpc.status.NOT_FOUND,
        'workflow execution already completed',
      );
    }
    if (e.cancelRequested) return;
    e.cancelRequested = true;
    this.notify(e, {
      eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED',
      field: 'workflowExecutionCancelRequestedEventAttributes',
      attributes,
    });
  }

  /** Admits an update and gives the workflow a task to decide on it. */
  admitUpdate(e: Execution, request: any) {
    const admitted = this.updates.admit(e, request, () => {
      // As Temporal does: an update would fail with the task, so it fails at once.
      if (this.failingWorkflowTask(e))
        throw workflowNotReady(
          'Unable to perform workflow execution update due to Workflow Task in failed state.',
        );
    });
    if (admitted.isNew) this.requestWorkflowTask(e);
    return admitted.update;
  }

  /** A workflow task or an activity attempt is waiting for, or running on, a worker. */
  hasOutstandingWork(): boolean {
    const now = this.clock.now();
    return this.executions
      .all()
      .some(
        e =>
          isRunning(e) &&
          (Boolean(e.workflowTask) ||
            Object.values(e.activities).some(a => a.attemptScheduledAt <= now)),
      );
  }

  // ---- Workflow tasks ---------------------------------------------------------------------

  /**
   * Asks for a workflow task: now, or when the open one completes. `forWorker` keeps it off the
   * queues: the worker that just completed a task takes it in the answer (returnNewWorkflowTask).
   */
  requestWorkflowTask(e: Execution, forWorker = false): void {
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
      !this.workflowTasks.polledWithin(
        e.namespace,
        e.sticky.queue,
        STICKY_POLLER_UNAVAILABLE_MS,
      )
    )
      e.sticky = undefined;
    const sticky = e.sticky;
    const attempt = e.workflowTaskAttempt ?? 1;
    const task: WorkflowTaskState = {
      scheduledEventId: e.history.length + 1,
      attempt,
      queue: sticky?.queue ?? e.taskQueue,
      sticky: Boolean(sticky),
      scheduledAt: this.clock.now(),
      updateIds: [],
    };
    if (!isTransient(task)) this.executions.append(e, scheduledEvent(e, task));
    e.workflowTask = task;
    e.needsWorkflowTask = false;
    this.executions.changed(e);
    if (forWorker) return;
    const { scheduledEventId } = task;
    const queued: WorkflowTask = { execution: e, scheduledEventId };
    this.workflowTasks.add(e.namespace, task.queue, queued);
    if (sticky) {
      // Not taken within the sticky worker's schedule-to-start timeout: the task moves to the
      // normal queue, as Temporal moves it (a timed-out event, then a task with the whole history).
      this.deadlines.arm(
        `${e.runId}/workflow-task`,
        this.clock.now() + sticky.scheduleToStartMs,
        () => {
          if (e.workflowTask !== task || task.startedEventId) return;
          this.workflowTasks.remove(e.namespace, task.queue, queued);
          this.endWorkflowTask(e, {
            eventType: 'EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT',
            field: 'workflowTaskTimedOutEventAttributes',
            attributes: {
              scheduledEventId,
              timeoutType: 'TIMEOUT_TYPE_SCHEDULE_TO_START',
            },
          });
        },
      );
    }
  }

  /** The poll response for a workflow task, or undefined when it went stale meanwhile. */
  startWorkflowTask(task: WorkflowTask, identity: string) {
    const e = task.execution;
    if (task.query) return this.startQueryTask(task, identity);
    const open = e.workflowTask;
    if (
      !isRunning(e) ||
      open?.scheduledEventId !== task.scheduledEventId ||
      open.startedEventId
    )
      return undefined;
    const now = this.clock.now();
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
    this.armWorkflowTaskTimeout(e);
    const { messages, ids } = this.updates.deliver(e, open.startedEventId);
    open.updateIds = ids;
    this.executions.changed(e);
    const events = this.taskHistory(e);
    // A sticky worker has the run cached: it gets only what happened since its last task.
    const page = historyPage(
      events,
      open.sticky ? e.previousStartedEventId : 0,
      {
        end: events.length,
      },
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
      queries: Object.fromEntries(
        this.takeQueuedQueries(e).map(q => [q.id, q.request]),
      ),
      messages,
    };
  }

  /**
   * The history a worker sees for the run's open workflow task: the run's, and a transient task's
   * own events after it.
   */
  taskHistory(e: Execution): HistoryEvent[] {
    const transient = transientEvents(e);
    return transient.length ? [...e.history, ...transient] : e.history;
  }

  private armWorkflowTaskTimeout(e: Execution) {
    const task = e.workflowTask!;
    const { scheduledEventId, startedEventId } = task;
    this.deadlines.arm(
      `${e.runId}/workflow-task`,
      (task.startedAt ?? this.clock.now()) + e.workflowTaskTimeoutMs,
      () => {
        if (e.workflowTask !== task) return;
        this.endWorkflowTask(e, {
          eventType: 'EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT',
          field: 'workflowTaskTimedOutEventAttributes',
          attributes: {
            scheduledEventId,
            startedEventId,
            timeoutType: 'TIMEOUT_TYPE_START_TO_CLOSE',
          },
        });
      },
    );
  }

  /**
   * Ends the open workflow task without its commands (it failed or timed out): writes the event
   * and what was buffered, and offers a new task on the normal queue with the whole history.
   */
  private endWorkflowTask(e: Execution, event: NewEvent, failed = false) {
    const task = e.workflowTask!;
    this.deadlines.disarm(`${e.runId}/workflow-task`);
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
      this.requestWorkflowTask(e);
      return;
    }
    // A workflow that keeps failing its tasks is retried with backoff, not in a tight loop.
    e.failedWorkflowTasks += 1;
    const delay =
      e.failedWorkflowTasks <= 1
        ? 0
        : Math.min(10_000, 500 * 2 ** (e.failedWorkflowTasks - 2));
    this.deadlines.arm(
      `${e.runId}/workflow-task`,
      this.clock.now() + delay,
      () => this.requestWorkflowTask(e),
    );
  }

  private openWorkflowTask(tokenBytes: Uint8Array | undefined) {
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

  /**
   * Applies a workflow task's commands. The answer carries the activities started eagerly, and
   * the next workflow task when one is due at once and the worker asked for it.
   */
  completeWorkflowTask(request: any): {
    activityTasks?: any[];
    workflowTask?: any;
  } {
    const { e, task, startedEventId } = this.openWorkflowTask(
      request.taskToken,
    );
    this.answerQueries(request.queryResults);
    const commands: any[] = request.commands ?? [];
    // As Temporal's ValidateCommandSequence: refused before anything else, without failing the
    // task (it times out and is retried).
    const closing = commands.findIndex(c =>
      CLOSING_COMMANDS.has(c.commandType),
    );
    if (closing !== -1 && closing < commands.length - 1) {
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        `invalid command sequence: [${commands
          .map(c => COMMAND_NAMES[c.commandType] ?? c.commandType)
          .join(', ')}], command ${
          COMMAND_NAMES[commands[closing].commandType]
        } must be the last command.`,
      );
    }
    const steps = completionSteps(commands, request.messages ?? []);
    // Everything is checked before anything is written: applying the steps cannot fail.
    const refusal = this.refuseCompletion(e, steps);
    if (refusal) {
      // As Temporal does, only a first attempt is failed: a retry refused again times out.
      if (task.attempt === 1)
        this.endWorkflowTask(
          e,
          workflowTaskFailedEvent(task, startedEventId, request.identity, {
            cause: refusal.cause,
            failure: serverFailure(refusal.message),
          }),
          true,
        );
      throw new RpcError(grpc.status.INVALID_ARGUMENT, refusal.message);
    }
    // Events arrived while the workflow decided to close: it must see them first. Temporal fails
    // the task and answers with the cause's name, which tells the SDK to evict the run quietly.
    if (e.buffered.length > 0 && closing !== -1) {
      this.endWorkflowTask(
        e,
        workflowTaskFailedEvent(task, startedEventId, request.identity, {
          cause: 'WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND',
          failure: serverFailure('UnhandledCommand'),
        }),
      );
      throw new RpcError(grpc.status.INVALID_ARGUMENT, 'UnhandledCommand');
    }
    this.deadlines.disarm(`${e.runId}/workflow-task`);
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
            durationMs(sticky.scheduleToStartTimeout) || 10_000,
        }
      : undefined;

    const eager: ActivityTask[] = [];
    for (const step of steps) {
      if (!isRunning(e)) break;
      if (step.message) this.updates.handleMessage(e, step.message);
      else this.apply(e, step.command, completed.eventId, eager);
    }
    if (!isRunning(e)) return {};
    this.updates.redeliver(e, task.updateIds);
    const flushed = this.executions.flush(e);
    // Events came in meanwhile: the worker, which has the run cached (sticky), may take the next
    // task in the answer rather than poll for it, as Temporal hands it over.
    const next =
      flushed ||
      e.needsWorkflowTask ||
      request.forceCreateNewWorkflowTask ||
      this.updates.hasUndelivered(e);
    // (A command may already have made a task due, offered on a queue: that one stays there.)
    const inline = Boolean(
      next && request.returnNewWorkflowTask && e.sticky && !e.workflowTask,
    );
    if (next) this.requestWorkflowTask(e, inline);
    const workflowTask = inline
      ? this.startWorkflowTask(
          { execution: e, scheduledEventId: e.workflowTask!.scheduledEventId },
          request.identity ?? '',
        )
      : undefined;
    const activityTasks = eager
      .map(t => this.activities.start(t, request.identity ?? ''))
      .filter(Boolean);
    this.executions.changed(e);
    return {
      ...(activityTasks.length ? { activityTasks } : {}),
      ...(workflowTask ? { workflowTask } : {}),
    };
  }

  /**
   * Whether to start an activity for the worker that scheduled it, in the answer to its workflow
   * task: it asked, and it polls the activity's queue (the workflow's own), as Temporal requires.
   */
  private runsEagerly(e: Execution, attributes: any): boolean {
    return Boolean(
      this.options.eagerActivities &&
        attributes?.requestEagerExecution &&
        (!attributes.taskQueue?.name ||
          attributes.taskQueue.name === e.taskQueue),
    );
  }

  failWorkflowTask(request: any): void {
    const { e, task, startedEventId } = this.openWorkflowTask(
      request.taskToken,
    );
    this.endWorkflowTask(
      e,
      workflowTaskFailedEvent(task, startedEventId, request.identity, {
        cause: request.cause,
        failure: request.failure,
      }),
      true,
    );
  }

  /**
   * Checks a workflow task's messages and commands before any is applied, as the Temporal server
   * does (it discards what it applied of a task it then fails): a refused task fails as a whole
   * with the cause that names what was wrong, in Temporal's words. The check follows what each
   * step would do to the run's timers, activities and updates, so the steps after it can rely on
   * the earlier ones (a timer started and cancelled in one task, say).
   */
  private refuseCompletion(
    e: Execution,
    steps: CompletionStep[],
  ): { cause: string; message: string } | undefined {
    const refuse = (cause: string, message: string) => ({
      cause: `WORKFLOW_TASK_FAILED_CAUSE_${cause}`,
      // Temporal prefixes the cause's short name ("BadCancelTimerAttributes: ...").
      message: `${shortName(cause)}: ${message}`,
    });
    const invalidAction = (action: string, details: string) =>
      `invalid history builder state for action: ${action}, ${details}`;
    // What the commands are checked against, each made on first use: most completions schedule
    // or cancel nothing, and a run may have many activities.
    const timers = new Set(Object.keys(e.timers));
    // Timers that fired while the task ran: their fired events wait in the buffer.
    const firedTimers = once(
      () =>
        new Set(
          e.buffered
            .map(b => b.timerId)
            .filter((id): id is string => Boolean(id)),
        ),
    );
    const activities = once(
      () =>
        new Map(
          Object.values(e.activities).map(a => [
            a.scheduledEventId,
            {
              activityId: String(a.attributes.activityId),
              started: Boolean(a.startedAt),
              cancelRequested: Boolean(a.cancelRequested),
            },
          ]),
        ),
    );
    const activityIds = once(
      () => new Set([...activities().values()].map(a => a.activityId)),
    );
    const finishedActivities = once(() => bufferedActivityFinishes(e));
    const updateStages = new Map<string, UpdateStage>();
    const searchAttributesRefused = (attributes: any) =>
      attributes && this.visibility.validate(e.namespace, attributes);
    for (const step of steps) {
      const c = step.command;
      if (c?.commandType === COMMAND.PROTOCOL_MESSAGE) {
        const id = c.protocolMessageCommandAttributes?.messageId;
        if (!id)
          return refuse(
            'BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE',
            'MessageID is not set on ProtocolMessageCommand.',
          );
        if (!step.message)
          return refuse(
            'BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE',
            `ProtocolMessageCommand referenced absent message ID ${id}`,
          );
      }
      if (step.message) {
        const refused = this.updates.refuseMessage(
          e,
          step.message,
          updateStages,
        );
        if (refused)
          return refuse('BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE', refused);
        continue;
      }
      switch (c.commandType) {
        case COMMAND.SCHEDULE_ACTIVITY_TASK: {
          const a = c.scheduleActivityTaskCommandAttributes;
          if (!a)
            return refuse(
              'BAD_SCHEDULE_ACTIVITY_ATTRIBUTES',
              'ScheduleActivityTaskCommandAttributes is not set on ScheduleActivityTaskCommand.',
            );
          if (!a.activityId)
            return refuse(
              'BAD_SCHEDULE_ACTIVITY_ATTRIBUTES',
              'activityId is not set',
            );
          if (!a.activityType?.name)
            return refuse(
              'BAD_SCHEDULE_ACTIVITY_ATTRIBUTES',
              'activityType is not set',
            );
          if (
            !durationMs(a.startToCloseTimeout) &&
            !durationMs(a.scheduleToCloseTimeout)
          )
            return refuse(
              'BAD_SCHEDULE_ACTIVITY_ATTRIBUTES',
              `a valid StartToCloseTimeout or ScheduleToCloseTimeout must be set on the activity. ActivityId=${a.activityId} ActivityType=${a.activityType.name}`,
            );
          if (activityIds().has(a.activityId))
            return refuse(
              'SCHEDULE_ACTIVITY_DUPLICATE_ID',
              invalidAction(
                'add-activitytask-scheduled-event',
                `ActivityID: ${a.activityId}`,
              ),
            );
          activityIds().add(a.activityId);
          break;
        }
        case COMMAND.REQUEST_CANCEL_ACTIVITY_TASK: {
          const a = c.requestCancelActivityTaskCommandAttributes;
          if (!a)
            return refuse(
              'BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES',
              'RequestCancelActivityTaskCommandAttributes is not set on RequestCancelActivityTaskCommand.',
            );
          const scheduledEventId = Number(a.scheduledEventId ?? 0);
          if (scheduledEventId <= 0)
            return refuse(
              'BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES',
              'ScheduledEventId is not set on RequestCancelActivityTaskCommand.',
            );
          const activity = activities().get(scheduledEventId);
          // An activity whose finish waits in the buffer: the request is recorded, nothing more.
          if (!activity && finishedActivities().has(scheduledEventId)) break;
          if (!activity || activity.cancelRequested)
            return refuse(
              'BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES',
              invalidAction(
                'add-activitytask-cancel-requested-event',
                `ScheduledEventID: ${scheduledEventId}`,
              ),
            );
          activity.cancelRequested = true;
          // One not started yet is cancelled at once, and its ID is free again.
          if (!activity.started) {
            activities().delete(scheduledEventId);
            activityIds().delete(activity.activityId);
          }
          break;
        }
        case COMMAND.START_TIMER: {
          const a = c.startTimerCommandAttributes;
          if (!a)
            return refuse(
              'BAD_START_TIMER_ATTRIBUTES',
              'StartTimerCommandAttributes is not set on StartTimerCommand.',
            );
          if (!a.timerId)
            return refuse(
              'BAD_START_TIMER_ATTRIBUTES',
              'TimerId is not set on StartTimerCommand.',
            );
          if (timers.has(a.timerId))
            return refuse(
              'START_TIMER_DUPLICATE_ID',
              invalidAction('add-timer-started-event', `TimerID: ${a.timerId}`),
            );
          timers.add(a.timerId);
          break;
        }
        case COMMAND.CANCEL_TIMER: {
          const a = c.cancelTimerCommandAttributes;
          if (!a)
            return refuse(
              'BAD_CANCEL_TIMER_ATTRIBUTES',
              'CancelTimerCommandAttributes is not set on CancelTimerCommand.',
            );
          if (!a.timerId)
            return refuse(
              'BAD_CANCEL_TIMER_ATTRIBUTES',
              'TimerId is not set on CancelTimerCommand.',
            );
          // A running timer, or one that fired while the task ran (its fired event is dropped).
          if (!timers.delete(a.timerId) && !firedTimers().delete(a.timerId))
            return refuse(
              'BAD_CANCEL_TIMER_ATTRIBUTES',
              invalidAction(
                'add-timer-canceled-event',
                `TimerID: ${a.timerId}`,
              ),
            );
          break;
        }
        case COMMAND.UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
          const refused = searchAttributesRefused(
            c.upsertWorkflowSearchAttributesCommandAttributes
              ?.searchAttributes ?? {},
          );
          if (refused) return refuse('BAD_SEARCH_ATTRIBUTES', refused);
          break;
        }
        case COMMAND.START_CHILD_WORKFLOW_EXECUTION: {
          const a = c.startChildWorkflowExecutionCommandAttributes ?? {};
          const ns = a.namespace || e.namespace;
          if (!a.workflowId)
            return refuse(
              'BAD_START_CHILD_EXECUTION_ATTRIBUTES',
              `Required field WorkflowId is not set on StartChildWorkflowExecutionCommand. WorkflowType=${
                a.workflowType?.name ?? ''
              } Namespace=${ns}`,
            );
          if (!a.workflowType?.name)
            return refuse(
              'BAD_START_CHILD_EXECUTION_ATTRIBUTES',
              `Required field WorkflowType is not set on StartChildWorkflowExecutionCommand. WorkflowId=${a.workflowId} Namespace=${ns}`,
            );
          const unimplemented = unimplementedStartOption(a);
          if (unimplemented)
            return refuse(
              'BAD_START_CHILD_EXECUTION_ATTRIBUTES',
              unimplemented,
            );
          const refused = searchAttributesRefused(a.searchAttributes);
          if (refused) return refuse('BAD_SEARCH_ATTRIBUTES', refused);
          break;
        }
        case COMMAND.CONTINUE_AS_NEW_WORKFLOW_EXECUTION: {
          const a = c.continueAsNewWorkflowExecutionCommandAttributes ?? {};
          const unimplemented = unimplementedStartOption(a);
          if (unimplemented)
            return refuse('BAD_CONTINUE_AS_NEW_ATTRIBUTES', unimplemented);
          const refused = searchAttributesRefused(a.searchAttributes);
          if (refused) return refuse('BAD_SEARCH_ATTRIBUTES', refused);
          break;
        }
        default:
          if (!KNOWN_COMMANDS.has(c.commandType))
            return refuse(
              'UNSPECIFIED',
              `command type ${c.commandType} is not implemented by this Temporal dev server`,
            );
      }
    }
    return undefined;
  }

  /** A worker shut down: its sticky runs go back to the normal queue, their waiting tasks at once. */
  dropStickyQueue(namespace: string, queue: string): void {
    this.workflowTasks.forget(namespace, queue);
    for (const e of this.executions.all()) {
      if (e.namespace !== namespace || !isRunning(e)) continue;
      if (e.sticky?.queue === queue) e.sticky = undefined;
      const task = e.workflowTask;
      if (task?.sticky && task.queue === queue && !task.startedEventId) {
        this.endWorkflowTask(e, {
          eventType: 'EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT',
          field: 'workflowTaskTimedOutEventAttributes',
          attributes: {
            scheduledEventId: task.scheduledEventId,
            timeoutType: 'TIMEOUT_TYPE_SCHEDULE_TO_START',
          },
        });
      }
    }
  }

  // ---- Commands ---------------------------------------------------------------------------

  /** Applies one command; activities to start for the worker eagerly go to `startEagerly`. */
  private apply(
    e: Execution,
    command: any,
    completedEventId: number,
    startEagerly: ActivityTask[],
  ): void {
    const workflowTaskCompletedEventId = completedEventId;
    switch (command.commandType) {
      case COMMAND.SCHEDULE_ACTIVITY_TASK: {
        const attributes = command.scheduleActivityTaskCommandAttributes;
        const task = this.activities.schedule(
          e,
          attributes,
          completedEventId,
          this.runsEagerly(e, attributes),
        );
        if (task) startEagerly.push(task);
        return;
      }
      case COMMAND.REQUEST_CANCEL_ACTIVITY_TASK:
        this.activities.requestCancel(
          e,
          command.requestCancelActivityTaskCommandAttributes,
          completedEventId,
        );
        return;
      case COMMAND.START_TIMER:
        this.startTimer(
          e,
          command.startTimerCommandAttributes,
          completedEventId,
        );
        return;
      case COMMAND.CANCEL_TIMER:
        this.cancelTimer(
          e,
          command.cancelTimerCommandAttributes,
          completedEventId,
        );
        return;
      case COMMAND.COMPLETE_WORKFLOW_EXECUTION:
        this.close(e, 'WORKFLOW_EXECUTION_STATUS_COMPLETED', {
          eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED',
          field: 'workflowExecutionCompletedEventAttributes',
          attributes: {
            result: command.completeWorkflowExecutionCommandAttributes?.result,
            workflowTaskCompletedEventId,
          },
        });
        return;
      case COMMAND.FAIL_WORKFLOW_EXECUTION:
        this.close(e, 'WORKFLOW_EXECUTION_STATUS_FAILED', {
          eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED',
          field: 'workflowExecutionFailedEventAttributes',
          attributes: {
            failure: command.failWorkflowExecutionCommandAttributes?.failure,
            retryState: 'RETRY_STATE_RETRY_POLICY_NOT_SET',
            workflowTaskCompletedEventId,
          },
        });
        return;
      case COMMAND.CANCEL_WORKFLOW_EXECUTION:
        this.close(e, 'WORKFLOW_EXECUTION_STATUS_CANCELED', {
          eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED',
          field: 'workflowExecutionCanceledEventAttributes',
          attributes: {
            details: command.cancelWorkflowExecutionCommandAttributes?.details,
            workflowTaskCompletedEventId,
          },
        });
        return;
      case COMMAND.CONTINUE_AS_NEW_WORKFLOW_EXECUTION:
        this.continueAsNew(
          e,
          command.continueAsNewWorkflowExecutionCommandAttributes,
          completedEventId,
        );
        return;
      case COMMAND.RECORD_MARKER: {
        const a = command.recordMarkerCommandAttributes ?? {};
        this.executions.append(e, {
          eventType: 'EVENT_TYPE_MARKER_RECORDED',
          field: 'markerRecordedEventAttributes',
          attributes: {
            markerName: a.markerName,
            details: a.details,
            header: a.header,
            failure: a.failure,
            workflowTaskCompletedEventId,
          },
        });
        return;
      }
      case COMMAND.START_CHILD_WORKFLOW_EXECUTION:
        this.children.start(
          e,
          command.startChildWorkflowExecutionCommandAttributes,
          completedEventId,
        );
        return;
      case COMMAND.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION:
        this.children.signalExternal(
          e,
          command.signalExternalWorkflowExecutionCommandAttributes,
          completedEventId,
        );
        return;
      case COMMAND.REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION:
        this.children.cancelExternal(
          e,
          command.requestCancelExternalWorkflowExecutionCommandAttributes,
          completedEventId,
        );
        return;
      case COMMAND.UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const upserted =
          command.upsertWorkflowSearchAttributesCommandAttributes
            ?.searchAttributes;
        e.searchAttributes = {
          indexedFields: {
            ...e.searchAttributes?.indexedFields,
            ...upserted?.indexedFields,
          },
        };
        this.executions.append(e, {
          eventType: 'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES',
          field: 'upsertWorkflowSearchAttributesEventAttributes',
          attributes: {
            searchAttributes: upserted,
            workflowTaskCompletedEventId,
          },
        });
        return;
      }
      case COMMAND.MODIFY_WORKFLOW_PROPERTIES: {
        const memo =
          command.modifyWorkflowPropertiesCommandAttributes?.upsertedMemo;
        e.memo = { fields: { ...e.memo?.fields, ...memo?.fields } };
        this.executions.append(e, {
          eventType: 'EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED',
          field: 'workflowPropertiesModifiedEventAttributes',
          attributes: { upsertedMemo: memo, workflowTaskCompletedEventId },
        });
        return;
      }
      default:
        throw new RpcError(
          grpc.status.UNIMPLEMENTED,
          `command type ${command.commandType} is not implemented by this Temporal dev server`,
        );
    }
  }

  private continueAsNew(e: Execution, a: any, completedEventId: number) {
    const next = this.executions.create(
      {
        namespace: e.namespace,
        workflowId: e.workflowId,
        workflowType: a.workflowType?.name || e.workflowType,
        taskQueue: a.taskQueue?.name || e.taskQueue,
        requestId: `${e.runId}/continued`,
        reusePolicy: 0,
        conflictPolicy: 0,
        memo: a.memo ?? e.memo,
        searchAttributes: a.searchAttributes ?? e.searchAttributes,
        attributes: {
          workflowType: a.workflowType?.name
            ? a.workflowType
            : { name: e.workflowType },
          taskQueue: {
            name: a.taskQueue?.name || e.taskQueue,
            kind: 'TASK_QUEUE_KIND_NORMAL',
          },
          input: a.input,
          workflowRunTimeout: a.workflowRunTimeout,
          workflowTaskTimeout: a.workflowTaskTimeout ?? {
            seconds: e.workflowTaskTimeoutMs / 1000,
          },
          header: a.header,
          memo: a.memo ?? e.memo,
          searchAttributes: a.searchAttributes ?? e.searchAttributes,
          retryPolicy: a.retryPolicy,
          lastCompletionResult: a.lastCompletionResult,
          continuedFailure: a.failure,
          workflowId: e.workflowId,
        },
      },
      { previous: e, initiator: a.initiator },
    );
    e.nextRunId = next.runId;
    this.close(
      e,
      'WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW',
      {
        eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW',
        field: 'workflowExecutionContinuedAsNewEventAttributes',
        attributes: {
          newExecutionRunId: next.runId,
          workflowType: { name: next.workflowType },
          taskQueue: normalQueue(next),
          input: a.input,
          workflowRunTimeout: a.workflowRunTimeout,
          workflowTaskTimeout: { seconds: next.workflowTaskTimeoutMs / 1000 },
          workflowTaskCompletedEventId: completedEventId,
          initiator: a.initiator,
          header: a.header,
          memo: next.memo,
          searchAttributes: next.searchAttributes,
        },
      },
      next,
    );
    this.children.onContinuedAsNew(e, next);
    this.begin(next);
  }

  /** Starts a timer (refuseCompletion made sure its ID is free). */
  private startTimer(e: Execution, a: any, completedEventId: number) {
    const [started] = this.executions.append(e, {
      eventType: 'EVENT_TYPE_TIMER_STARTED',
      field: 'timerStartedEventAttributes',
      attributes: {
        timerId: a.timerId,
        startToFireTimeout: a.startToFireTimeout,
        workflowTaskCompletedEventId: completedEventId,
      },
    });
    const fireAt = this.clock.now() + (durationMs(a.startToFireTimeout) ?? 0);
    e.timers[a.timerId] = { startedEventId: started.eventId, fireAt };
    this.armTimer(e, a.timerId, fireAt);
  }

  private armTimer(e: Execution, timerId: string, fireAt: number) {
    this.deadlines.arm(`${e.runId}/timer/${timerId}`, fireAt, () => {
      const timer = e.timers[timerId];
      if (!timer || !isRunning(e)) return;
      delete e.timers[timerId];
      this.executions.record(e, {
        timerId,
        events: [
          {
            eventType: 'EVENT_TYPE_TIMER_FIRED',
            field: 'timerFiredEventAttributes',
            attributes: { timerId, startedEventId: timer.startedEventId },
          },
        ],
      });
      this.requestWorkflowTask(e);
    });
  }

  /**
   * Cancels a running timer, or one whose fired event waits in the buffer (it has not fired as far
   * as the workflow knows: the fired event is dropped, as Temporal drops it). refuseCompletion made
   * sure it is one of the two.
   */
  private cancelTimer(e: Execution, a: any, completedEventId: number) {
    let timer = e.timers[a.timerId];
    if (!timer) {
      const bufferedFire = e.buffered.findIndex(b => b.timerId === a.timerId);
      const [fired] = e.buffered.splice(bufferedFire, 1);
      timer = {
        startedEventId: Number(fired.events[0].attributes.startedEventId),
        fireAt: 0,
      };
    }
    delete e.timers[a.timerId];
    this.deadlines.disarm(`${e.runId}/timer/${a.timerId}`);
    this.executions.append(e, {
      eventType: 'EVENT_TYPE_TIMER_CANCELED',
      field: 'timerCanceledEventAttributes',
      attributes: {
        timerId: a.timerId,
        startedEventId: timer.startedEventId,
        workflowTaskCompletedEventId: completedEventId,
      },
    });
  }

  // ---- Queries ----------------------------------------------------------------------------

  private readonly queuedQueries = new Map<
    string,
    Array<{ id: string; request: any }>
  >();

  /** Where a query went, and where the run's workflow task is, for error messages. */
  private describeQuery(e: Execution, queryId: string): string {
    const takenBy = this.queryTakenBy.get(queryId);
    return takenBy
      ? `worker ${takenBy} took it as a query task and did not answer`
      : this.describeWorkflowTask(e);
  }

  /** Where the run's workflow task is, for error messages. */
  private describeWorkflowTask(e: Execution): string {
    const task = e.workflowTask;
    if (!isRunning(e)) return 'the workflow is closed';
    if (!task) return 'no workflow task is pending';
    const queue = task.sticky
      ? `sticky queue ${task.queue}`
      : `task queue ${task.queue}`;
    return task.startedEventId
      ? `a workflow task on ${queue} was started ${
          this.clock.now() - (task.startedAt ?? 0)
        } ms ago and not answered`
      : `a workflow task waits on ${queue} since ${
          this.clock.now() - task.scheduledAt
        } ms`;
  }

  private takeQueuedQueries(e: Execution) {
    const queued = this.queuedQueries.get(e.runId) ?? [];
    this.queuedQueries.delete(e.runId);
    return queued.filter(q => this.queries.has(q.id));
  }

  /** Whether the run's workflow task keeps failing (its attempt counts up). */
  private failingWorkflowTask(e: Execution): boolean {
    const attempt = e.workflowTask?.attempt ?? e.workflowTaskAttempt ?? 1;
    return isRunning(e) && attempt >= FAILING_WORKFLOW_TASK_ATTEMPT;
  }

  /** Asks a worker to answer a query; resolves with its answer, or rejects after `timeoutMs`. */
  query(e: Execution, request: any, timeoutMs = 30_000): Promise<QueryAnswer> {
    // As Temporal answers: no worker ever ran the workflow's code, so none can answer; and a
    // workflow whose task keeps failing would fail the query too.
    if (!isRunning(e) && !e.previousStartedEventId)
      throw workflowNotReady(
        'Workflow execution closed before WorkflowTaskStarted event',
      );
    if (this.failingWorkflowTask(e))
      throw workflowNotReady(
        'Unable to query workflow due to Workflow Task in failed state.',
      );
    const id = `${e.runId}/${Math.random().toString(36).slice(2)}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.queries.delete(id);
        const message = this.describeQuery(e, id);
        this.queryTakenBy.delete(id);
        reject(
          new RpcError(
            grpc.status.DEADLINE_EXCEEDED,
            `no worker answered the query ${request.queryType} within ${
              timeoutMs / 1000
            } s; is a worker polling task queue ${e.taskQueue}? (${message})`,
          ),
        );
      }, timeoutMs);
      this.queries.set(id, answer => {
        clearTimeout(timer);
        this.queries.delete(id);
        this.queryTakenBy.delete(id);
        resolve(answer);
      });
      this.dispatchQuery(e, { id, request });
    });
  }

  /**
   * A query sees every event before it: it rides the next workflow task when one is due, and
   * goes out as a query task of its own only when the workflow has nothing pending.
   */
  private dispatchQuery(e: Execution, query: { id: string; request: any }) {
    const task = isRunning(e) ? e.workflowTask : undefined;
    if (!task) {
      this.workflowTasks.add(e.namespace, e.taskQueue, {
        execution: e,
        scheduledEventId: 0,
        query,
      });
      return;
    }
    const queued = this.queuedQueries.get(e.runId) ?? [];
    queued.push(query);
    this.queuedQueries.set(e.runId, queued);
    if (!task.startedEventId) return;
    // A workflow task is running. The query rides the next one if its completion starts one in
    // the answer (as a worker running local activities does every few seconds, to keep its task
    // alive); otherwise it goes out again once the task is over (completed, failed or timed out).
    const startedEventId = task.startedEventId;
    void this.executions
      .waitFor(
        e,
        () => e.workflowTask?.startedEventId !== startedEventId,
        30_000,
      )
      .then(() =>
        setImmediate(() => {
          const waiting = this.queuedQueries.get(e.runId) ?? [];
          const at = waiting.indexOf(query);
          if (at === -1) return; // A task took it.
          waiting.splice(at, 1);
          if (waiting.length === 0) this.queuedQueries.delete(e.runId);
          if (this.queries.has(query.id)) this.dispatchQuery(e, query);
        }),
      );
  }

  /** A query task's history, in pages; the worker answers from the last completed task. */
  private queryTaskHistory(e: Execution) {
    const history = e.history;
    return historyAnswer(historyPage(history, 0, { end: history.length }));
  }

  private startQueryTask(task: WorkflowTask, identity: string) {
    const e = task.execution;
    const query = task.query!;
    if (!this.queries.has(query.id)) return undefined; // The caller gave up.
    this.queryTakenBy.set(query.id, identity);
    return {
      taskToken: encodeToken({
        kind: 'query',
        queryId: query.id,
        namespace: e.namespace,
        workflowId: e.workflowId,
        runId: e.runId,
        scheduledEventId: 0,
        attempt: 1,
      }),
      workflowExecution: { workflowId: e.workflowId, runId: e.runId },
      workflowType: { name: e.workflowType },
      // Where the last completed workflow task started: the worker replays the history up to
      // there before it answers (without it, Core answers from wherever its replay stopped).
      previousStartedEventId: e.previousStartedEventId,
      ...this.queryTaskHistory(e),
      query: query.request,
      workflowExecutionTaskQueue: normalQueue(e),
    };
  }

  private answerQueries(results: Record<string, any> | undefined) {
    for (const [queryId, result] of Object.entries(results ?? {})) {
      // temporal.api.enums.v1.QueryResultType: 1 answered, 2 failed.
      this.queries.get(queryId)?.(
        result.resultType === 1
          ? { answered: true, result: result.answer }
          : {
              answered: false,
              error: result.errorMessage,
              failure: result.failure,
            },
      );
    }
  }

  answerQuery(request: any): void {
    const token = decodeToken(request.taskToken, 'query');
    const answer = this.queries.get(token.queryId ?? '');
    if (!answer) {
      // The caller gave up waiting; Temporal's words.
      throw new RpcError(
        grpc.status.NOT_FOUND,
        'query task not found, or already expired',
      );
    }
    answer(
      request.completedType === 1
        ? { answered: true, result: request.queryResult }
        : {
            answered: false,
            error: request.errorMessage,
            failure: request.failure,
          },
    );
  }
}
