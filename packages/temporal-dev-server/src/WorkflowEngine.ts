/*
 * What moves a workflow forward, wired together: runs started, closed and continued as new; what
 * arrives from outside (signals, cancellation, termination, updates); and a workflow task's
 * completion, checked whole before it is applied. The parts have modules of their own: workflow
 * tasks' lifecycle (WorkflowTasks), a completion's checks and its application (refuseCompletion,
 * WorkflowCommands), timers, activities, updates, queries and child workflows.
 */
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@temporalio/proto';
import { randomUUID } from 'node:crypto';
import { ActivityTasks } from './ActivityTasks';
import {
  ChildWorkflows,
  type CancelRequest,
  type RunControl,
  type Signal,
  type StartRunRequest,
} from './ChildWorkflows';
import { systemClock, type Clock } from './clock';
import { closesWorkflow } from './commandTypes';
import { completionSteps } from './completionSteps';
import {
  continuedAsNewEvent,
  continuedRunRequest,
  type ContinueAsNewAttributes,
} from './continueAsNew';
import { Deadlines } from './Deadlines';
import type { Plain } from './grpc/plain';
import { RpcError } from './grpc/serviceDefinition';
import { commandSequenceRefusal, refuseCompletion } from './refuseCompletion';
import {
  isRunning,
  type Execution,
  type ExecutionStatus,
  type NewEvent,
  type UpdateState,
} from './state';
import { Timers } from './Timers';
import type {
  StartRequest,
  StartResult,
  WorkflowExecutions,
} from './WorkflowExecutions';
import { WorkflowCommands, type RunClosing } from './WorkflowCommands';
import { hasFailingWorkflowTask, workflowNotReady } from './workflowNotReady';
import { WorkflowQueries } from './WorkflowQueries';
import { serverFailure, workflowTaskFailedEvent } from './workflowTaskEvents';
import { WorkflowTasks, type WorkflowTask } from './WorkflowTasks';
import { WorkflowUpdates } from './WorkflowUpdates';
import type { Visibility } from './visibility/Visibility';

const { TaskQueueKind, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } =
  temporal.api.enums.v1;

export const signaledEvent = (signal: Signal): NewEvent => ({
  eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED',
  field: 'workflowExecutionSignaledEventAttributes',
  attributes: {
    signalName: signal.signalName,
    input: signal.input,
    identity: signal.identity,
    header: signal.header,
    externalWorkflowExecution: signal.externalWorkflowExecution,
  },
});

const alreadyCompleted = () =>
  new RpcError(grpc.status.NOT_FOUND, 'workflow execution already completed');

export class WorkflowEngine implements RunControl, RunClosing {
  readonly deadlines: Deadlines;
  readonly tasks: WorkflowTasks;
  readonly activities: ActivityTasks;
  readonly updates: WorkflowUpdates;
  readonly queries: WorkflowQueries;
  private readonly timers: Timers;
  private readonly children: ChildWorkflows;
  private readonly commands: WorkflowCommands;

  constructor(
    private readonly executions: WorkflowExecutions,
    private readonly visibility: Visibility,
    readonly clock: Clock = systemClock,
    options: { eagerActivities?: boolean } = {},
  ) {
    const requestTask = (e: Execution) => this.tasks.request(e);
    this.deadlines = new Deadlines(clock);
    this.updates = new WorkflowUpdates(executions);
    this.tasks = new WorkflowTasks(executions, this.deadlines, this.updates);
    this.queries = new WorkflowQueries(executions, this.tasks.queues, clock);
    this.activities = new ActivityTasks(
      executions,
      this.deadlines,
      requestTask,
    );
    this.timers = new Timers(executions, this.deadlines, requestTask);
    this.children = new ChildWorkflows(executions, this);
    this.commands = new WorkflowCommands(
      {
        executions,
        activities: this.activities,
        timers: this.timers,
        children: this.children,
        updates: this.updates,
        runs: this,
      },
      options,
    );
  }

  stop(): void {
    this.deadlines.disarmAll();
    this.tasks.queues.releaseAll();
    this.activities.queues.releaseAll();
  }

  // ---- Runs -------------------------------------------------------------------------------

  /** Starts a run of a workflow (clients, signal-with-start, child workflows). */
  startRun(
    namespace: string,
    request: StartRunRequest,
    parent?: Execution['parent'],
    /** Events before the first workflow task (signal-with-start's signal). */
    initialEvents: NewEvent[] = [],
  ): StartResult {
    // Required fields were checked (startRequests.ts, refuseCompletion for child workflows).
    const workflowId = request.workflowId!;
    const taskQueue = request.taskQueue!.name!;
    const startRequest: StartRequest = {
      namespace,
      workflowId,
      workflowType: request.workflowType!.name!,
      taskQueue,
      requestId: request.requestId || `${workflowId}/${randomUUID()}`,
      reusePolicy:
        request.workflowIdReusePolicy ??
        WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED,
      conflictPolicy:
        request.workflowIdConflictPolicy ??
        WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED,
      memo: request.memo,
      searchAttributes: request.searchAttributes,
      parent,
      attributes: {
        workflowType: request.workflowType,
        taskQueue: {
          name: taskQueue,
          kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
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
    this.armRunTimeout(e);
    this.tasks.request(e);
  }

  private armRunTimeout(e: Execution) {
    if (e.runDeadline)
      this.deadlines.arm(`${e.runId}/run`, e.runDeadline, () =>
        this.timeOutRun(e),
      );
  }

  /** Re-arms the deadlines and tasks of a run loaded from a store. */
  resume(e: Execution): void {
    if (!isRunning(e)) return;
    this.armRunTimeout(e);
    for (const [timerId, timer] of Object.entries(e.timers))
      this.timers.arm(e, timerId, timer.fireAt);
    this.activities.resume(e);
    this.tasks.resume(e);
  }

  close(
    e: Execution,
    status: ExecutionStatus,
    event: NewEvent,
    next?: Execution,
  ): void {
    const closing = this.executions.close(e, status, event);
    this.deadlines.disarmAll(e.runId);
    e.activities = {};
    e.timers = {};
    e.sticky = undefined;
    this.updates.onClose(e, next);
    this.children.onClose(e, closing);
  }

  /** Closes the run as continued-as-new and starts the next one. */
  continueAsNew(
    e: Execution,
    attributes: ContinueAsNewAttributes,
    completedEventId: number,
  ): void {
    const next = this.executions.create(continuedRunRequest(e, attributes), {
      previous: e,
      initiator: attributes.initiator,
    });
    e.nextRunId = next.runId;
    this.close(
      e,
      'WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW',
      continuedAsNewEvent(next, attributes, completedEventId),
      next,
    );
    this.children.onContinuedAsNew(e, next);
    this.begin(next);
  }

  terminate(
    e: Execution,
    reason: string,
    identity: string,
    details?: Plain<temporal.api.common.v1.IPayloads>,
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
    this.tasks.request(e);
  }

  signal(e: Execution, signal: Signal): void {
    if (!isRunning(e)) throw alreadyCompleted();
    this.notify(e, signaledEvent(signal));
  }

  /** Asks the workflow to cancel itself; only the first request is recorded. */
  requestCancel(e: Execution, attributes: CancelRequest): void {
    if (!isRunning(e)) throw alreadyCompleted();
    if (e.cancelRequested) return;
    e.cancelRequested = true;
    this.notify(e, {
      eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED',
      field: 'workflowExecutionCancelRequestedEventAttributes',
      attributes,
    });
  }

  /** Admits an update and gives the workflow a task to decide on it. */
  admitUpdate(e: Execution, request: UpdateState['request'] | undefined) {
    const admitted = this.updates.admit(e, request, () => {
      // As Temporal does: an update would fail with the task, so it fails at once.
      if (hasFailingWorkflowTask(e))
        throw workflowNotReady(
          'Unable to perform workflow execution update due to Workflow Task in failed state.',
        );
    });
    if (admitted.isNew) this.tasks.request(e);
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

  /** The poll answer for a workflow or query task, or undefined when it went stale meanwhile. */
  startWorkflowTask(task: WorkflowTask, identity: string) {
    if (task.query) return this.queries.startTask(task, identity);
    const started = this.tasks.start(task, identity);
    return (
      started && {
        ...started,
        queries: this.queries.takeQueued(task.execution),
      }
    );
  }

  /**
   * Applies a workflow task's commands. The answer carries the activities started eagerly, and
   * the next workflow task when one is due at once and the worker asked for it.
   */
  completeWorkflowTask(
    request: Plain<temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedRequest>,
  ) {
    const { e, task, startedEventId } = this.tasks.open(request.taskToken);
    this.queries.answerAll(request.queryResults);
    const commands = request.commands ?? [];
    const badSequence = commandSequenceRefusal(commands);
    if (badSequence)
      throw new RpcError(grpc.status.INVALID_ARGUMENT, badSequence);
    const steps = completionSteps(commands, request.messages ?? []);
    // Everything is checked before anything is written: applying the steps cannot fail.
    const refusal = refuseCompletion(e, steps, {
      updates: this.updates,
      visibility: this.visibility,
    });
    if (refusal) {
      // As Temporal does, only a first attempt is failed: a retry refused again times out.
      if (task.attempt === 1)
        this.tasks.end(
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
    if (
      e.buffered.length > 0 &&
      commands.some(c => closesWorkflow(c.commandType))
    ) {
      this.tasks.end(
        e,
        workflowTaskFailedEvent(task, startedEventId, request.identity, {
          cause: 'WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND',
          failure: serverFailure('UnhandledCommand'),
        }),
      );
      throw new RpcError(grpc.status.INVALID_ARGUMENT, 'UnhandledCommand');
    }
    const completedEventId = this.tasks.complete(
      e,
      task,
      startedEventId,
      request,
    );
    const eager = this.commands.applyAll(e, steps, completedEventId);
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
    if (next) this.tasks.request(e, inline);
    const identity = request.identity ?? '';
    const workflowTask = inline
      ? this.startWorkflowTask(
          { execution: e, scheduledEventId: e.workflowTask!.scheduledEventId },
          identity,
        )
      : undefined;
    const activityTasks = eager
      .map(t => this.activities.start(t, identity))
      .filter(Boolean);
    this.executions.changed(e);
    return {
      ...(activityTasks.length ? { activityTasks } : {}),
      ...(workflowTask ? { workflowTask } : {}),
    };
  }
}
