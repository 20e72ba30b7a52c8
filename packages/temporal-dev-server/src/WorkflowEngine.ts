/*
 * What moves a workflow forward: workflow tasks (one open at a time; events that arrive meanwhile
 * ask for another), the commands a worker answers them with (activities, timers, completion,
 * failure), activity tasks with retries, timers and signals. Every step is a history event.
 */
import * as grpc from '@grpc/grpc-js';
import { RpcError } from './grpc/serviceDefinition';
import { durationMs, timestamp } from './history/time';
import { TaskQueues } from './TaskQueues';
import type { Execution, WorkflowExecutions } from './WorkflowExecutions';

const WORKFLOW_TASK_TIMEOUT = { seconds: 10 };

export interface WorkflowTask {
  execution: Execution;
  scheduledEventId: number;
  /** A query rides a workflow task of its own that changes nothing (a "legacy query" task). */
  query?: { id: string; request: any };
}

type QueryAnswer = {
  answered: boolean;
  result?: unknown;
  error?: string;
  failure?: unknown;
};

interface PendingQuery {
  resolve(result: {
    answered: boolean;
    result?: unknown;
    error?: string;
    failure?: unknown;
  }): void;
}

export interface ActivityTask {
  execution: Execution;
  scheduledEventId: number;
  attempt: number;
  scheduledAt: number;
  attributes: any;
}

interface TaskToken {
  kind: 'workflow' | 'activity' | 'query';
  queryId?: string;
  namespace: string;
  workflowId: string;
  runId: string;
  scheduledEventId: number;
  attempt: number;
}

export const encodeToken = (token: TaskToken) =>
  Buffer.from(JSON.stringify(token));

function decodeToken(
  bytes: Uint8Array | undefined,
  kind: TaskToken['kind'],
): TaskToken {
  try {
    const token = JSON.parse(
      Buffer.from(bytes ?? []).toString('utf8'),
    ) as TaskToken;
    if (token.kind === kind) return token;
  } catch {
    // Reported below.
  }
  throw new RpcError(
    grpc.status.INVALID_ARGUMENT,
    `the task token is not a ${kind} task token of this server`,
  );
}

export class WorkflowEngine {
  readonly workflowTasks = new TaskQueues<WorkflowTask>();
  readonly activityTasks = new TaskQueues<ActivityTask>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly queries = new Map<string, PendingQuery>();
  private readonly runningTimers = new Map<string, NodeJS.Timeout>();
  /** Activities scheduled and not finished, by run ID and scheduled event ID. */
  private readonly pendingActivities = new Map<string, ActivityTask>();

  constructor(private readonly executions: WorkflowExecutions) {}

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.workflowTasks.releaseAll();
    this.activityTasks.releaseAll();
  }

  private later(ms: number, action: () => void) {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }

  /** Asks for a workflow task: now, or when the open one completes. */
  requestWorkflowTask(e: Execution): void {
    if (e.status !== 'WORKFLOW_EXECUTION_STATUS_RUNNING') return;
    if (e.workflowTask) {
      e.needsWorkflowTask = true;
      return;
    }
    const attempt = 1;
    const scheduled = this.executions.append(
      e,
      'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
      'workflowTaskScheduledEventAttributes',
      {
        taskQueue: { name: e.taskQueue, kind: 'TASK_QUEUE_KIND_NORMAL' },
        startToCloseTimeout: WORKFLOW_TASK_TIMEOUT,
        attempt,
      },
    );
    e.workflowTask = { scheduledEventId: scheduled.eventId, attempt };
    e.needsWorkflowTask = false;
    this.workflowTasks.add(e.namespace, e.taskQueue, {
      execution: e,
      scheduledEventId: scheduled.eventId,
    });
  }

  /** A workflow task for a poller, with the whole history (no sticky execution). */
  startWorkflowTask(task: WorkflowTask, identity: string) {
    const e = task.execution;
    if (task.query) {
      if (!this.queries.has(task.query.id)) return undefined; // The caller gave up.
      return {
        taskToken: encodeToken({
          kind: 'query',
          queryId: task.query.id,
          namespace: e.namespace,
          workflowId: e.workflowId,
          runId: e.runId,
          scheduledEventId: 0,
          attempt: 1,
        }),
        workflowExecution: { workflowId: e.workflowId, runId: e.runId },
        workflowType: { name: e.workflowType },
        history: { events: e.history },
        query: task.query.request,
        workflowExecutionTaskQueue: {
          name: e.taskQueue,
          kind: 'TASK_QUEUE_KIND_NORMAL',
        },
      };
    }
    if (
      e.status !== 'WORKFLOW_EXECUTION_STATUS_RUNNING' ||
      e.workflowTask?.scheduledEventId !== task.scheduledEventId
    ) {
      return undefined; // Stale: the run closed or the task was replaced.
    }
    const started = this.executions.append(
      e,
      'EVENT_TYPE_WORKFLOW_TASK_STARTED',
      'workflowTaskStartedEventAttributes',
      {
        scheduledEventId: task.scheduledEventId,
        identity,
        requestId: `${e.runId}-${task.scheduledEventId}`,
      },
    );
    e.workflowTask.startedEventId = started.eventId;
    const scheduledEvent = e.history[task.scheduledEventId - 1];
    return {
      taskToken: encodeToken({
        kind: 'workflow',
        namespace: e.namespace,
        workflowId: e.workflowId,
        runId: e.runId,
        scheduledEventId: task.scheduledEventId,
        attempt: e.workflowTask.attempt,
      }),
      workflowExecution: { workflowId: e.workflowId, runId: e.runId },
      workflowType: { name: e.workflowType },
      previousStartedEventId: e.previousStartedEventId,
      startedEventId: started.eventId,
      attempt: e.workflowTask.attempt,
      history: { events: e.history },
      workflowExecutionTaskQueue: {
        name: e.taskQueue,
        kind: 'TASK_QUEUE_KIND_NORMAL',
      },
      scheduledTime: scheduledEvent.eventTime,
      startedTime: started.eventTime,
      queries: Object.fromEntries(
        e.queuedQueries.splice(0).map(q => [q.id, q.request]),
      ),
    };
  }

  private openWorkflowTask(tokenBytes: Uint8Array | undefined) {
    const token = decodeToken(tokenBytes, 'workflow');
    const e = this.executions.find(
      token.namespace,
      token.workflowId,
      token.runId,
    );
    if (
      !e ||
      e.status !== 'WORKFLOW_EXECUTION_STATUS_RUNNING' ||
      e.workflowTask?.scheduledEventId !== token.scheduledEventId ||
      !e.workflowTask.startedEventId
    ) {
      throw new RpcError(
        grpc.status.NOT_FOUND,
        'Workflow task not found: it timed out, or the workflow closed',
      );
    }
    return {
      e,
      task: e.workflowTask,
      startedEventId: e.workflowTask.startedEventId,
    };
  }

  completeWorkflowTask(request: any): void {
    const { e, task, startedEventId } = this.openWorkflowTask(
      request.taskToken,
    );
    const completed = this.executions.append(
      e,
      'EVENT_TYPE_WORKFLOW_TASK_COMPLETED',
      'workflowTaskCompletedEventAttributes',
      {
        scheduledEventId: task.scheduledEventId,
        startedEventId,
        identity: request.identity,
        sdkMetadata: request.sdkMetadata,
      },
    );
    e.workflowTask = undefined;
    e.previousStartedEventId = startedEventId;
    for (const [queryId, result] of Object.entries<any>(
      request.queryResults ?? {},
    )) {
      this.answer(
        queryId,
        result.resultType === 1
          ? { answered: true, result: result.answer }
          : {
              answered: false,
              error: result.errorMessage,
              failure: result.failure,
            },
      );
    }
    for (const command of request.commands ?? []) {
      if (e.status !== 'WORKFLOW_EXECUTION_STATUS_RUNNING') break;
      this.apply(e, command, completed.eventId);
    }
    if (e.needsWorkflowTask || request.forceCreateNewWorkflowTask)
      this.requestWorkflowTask(e);
  }

  failWorkflowTask(request: any): void {
    const { e, task, startedEventId } = this.openWorkflowTask(
      request.taskToken,
    );
    this.executions.append(
      e,
      'EVENT_TYPE_WORKFLOW_TASK_FAILED',
      'workflowTaskFailedEventAttributes',
      {
        scheduledEventId: task.scheduledEventId,
        startedEventId,
        cause: request.cause,
        failure: request.failure,
        identity: request.identity,
      },
    );
    e.workflowTask = undefined;
    // Try again a little later, so a workflow that always fails does not spin.
    this.later(1_000, () => this.requestWorkflowTask(e));
  }

  private apply(e: Execution, command: any, completedEventId: number): void {
    const type = command.commandType;
    if (type === 1)
      this.scheduleActivity(
        e,
        command.scheduleActivityTaskCommandAttributes,
        completedEventId,
      );
    else if (type === 3)
      this.startTimer(e, command.startTimerCommandAttributes, completedEventId);
    else if (type === 6)
      this.cancelTimer(
        e,
        command.cancelTimerCommandAttributes,
        completedEventId,
      );
    else if (type === 4) {
      this.executions.close(
        e,
        'WORKFLOW_EXECUTION_STATUS_COMPLETED',
        'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED',
        'workflowExecutionCompletedEventAttributes',
        {
          result: command.completeWorkflowExecutionCommandAttributes?.result,
          workflowTaskCompletedEventId: completedEventId,
        },
      );
    } else if (type === 5) {
      this.executions.close(
        e,
        'WORKFLOW_EXECUTION_STATUS_FAILED',
        'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED',
        'workflowExecutionFailedEventAttributes',
        {
          failure: command.failWorkflowExecutionCommandAttributes?.failure,
          retryState: 'RETRY_STATE_RETRY_POLICY_NOT_SET',
          workflowTaskCompletedEventId: completedEventId,
        },
      );
    } else {
      throw new RpcError(
        grpc.status.UNIMPLEMENTED,
        `command type ${type} is not implemented by this Temporal dev server`,
      );
    }
  }

  private scheduleActivity(
    e: Execution,
    requested: any,
    completedEventId: number,
  ) {
    // As the Temporal server does: absent timeouts are explicit zeros ("no limit").
    const none = { seconds: 0 };
    const attributes = {
      ...requested,
      scheduleToCloseTimeout: requested.scheduleToCloseTimeout ?? none,
      scheduleToStartTimeout: requested.scheduleToStartTimeout ?? none,
      startToCloseTimeout:
        requested.startToCloseTimeout ??
        requested.scheduleToCloseTimeout ??
        none,
      heartbeatTimeout: requested.heartbeatTimeout ?? none,
    };
    const scheduled = this.executions.append(
      e,
      'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
      'activityTaskScheduledEventAttributes',
      {
        ...attributes,
        workflowTaskCompletedEventId: completedEventId,
      },
    );
    const task: ActivityTask = {
      execution: e,
      scheduledEventId: scheduled.eventId,
      attempt: 1,
      scheduledAt: Date.now(),
      attributes,
    };
    this.pendingActivities.set(`${e.runId}/${scheduled.eventId}`, task);
    this.activityTasks.add(
      e.namespace,
      attributes.taskQueue?.name || e.taskQueue,
      task,
    );
  }

  private startTimer(e: Execution, attributes: any, completedEventId: number) {
    const started = this.executions.append(
      e,
      'EVENT_TYPE_TIMER_STARTED',
      'timerStartedEventAttributes',
      {
        timerId: attributes.timerId,
        startToFireTimeout: attributes.startToFireTimeout,
        workflowTaskCompletedEventId: completedEventId,
      },
    );
    const key = `${e.runId}/${attributes.timerId}`;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.runningTimers.delete(key);
      if (e.status !== 'WORKFLOW_EXECUTION_STATUS_RUNNING') return;
      this.executions.append(
        e,
        'EVENT_TYPE_TIMER_FIRED',
        'timerFiredEventAttributes',
        {
          timerId: attributes.timerId,
          startedEventId: started.eventId,
        },
      );
      this.requestWorkflowTask(e);
    }, durationMs(attributes.startToFireTimeout) ?? 0);
    this.timers.add(timer);
    this.runningTimers.set(key, timer);
  }

  private cancelTimer(e: Execution, attributes: any, completedEventId: number) {
    const key = `${e.runId}/${attributes.timerId}`;
    const timer = this.runningTimers.get(key);
    if (!timer) {
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        `timer ${attributes.timerId} is not running: it fired or was never started`,
      );
    }
    clearTimeout(timer);
    this.timers.delete(timer);
    this.runningTimers.delete(key);
    const started = e.history.find(
      ev =>
        ev.eventType === 'EVENT_TYPE_TIMER_STARTED' &&
        (ev.timerStartedEventAttributes as any)?.timerId === attributes.timerId,
    );
    this.executions.append(
      e,
      'EVENT_TYPE_TIMER_CANCELED',
      'timerCanceledEventAttributes',
      {
        timerId: attributes.timerId,
        startedEventId: started?.eventId,
        workflowTaskCompletedEventId: completedEventId,
      },
    );
  }

  /** Asks a worker to answer a query; resolves with its answer, or rejects after `timeoutMs`. */
  query(
    e: Execution,
    request: any,
    timeoutMs = 30_000,
  ): Promise<{
    answered: boolean;
    result?: unknown;
    error?: string;
    failure?: unknown;
  }> {
    const id = `${e.runId}/${Math.random().toString(36).slice(2)}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.queries.delete(id);
        reject(
          new RpcError(
            grpc.status.DEADLINE_EXCEEDED,
            `no worker answered the query ${request.queryType} within ${
              timeoutMs / 1000
            } s; is a worker polling task queue ${e.taskQueue}?`,
          ),
        );
      }, timeoutMs);
      this.queries.set(id, {
        resolve: answer => {
          clearTimeout(timer);
          this.queries.delete(id);
          resolve(answer);
        },
      });
      this.dispatchQuery(e, { id, request });
    });
  }

  /**
   * A query sees every event before it: it rides the next workflow task when one is due, and
   * goes out as a query task of its own only when the workflow has nothing pending.
   */
  private dispatchQuery(e: Execution, query: { id: string; request: any }) {
    const due =
      e.status === 'WORKFLOW_EXECUTION_STATUS_RUNNING' &&
      (e.workflowTask || e.needsWorkflowTask);
    if (!due) {
      this.workflowTasks.add(e.namespace, e.taskQueue, {
        execution: e,
        scheduledEventId: 0,
        query,
      });
      return;
    }
    if (e.workflowTask && !e.workflowTask.startedEventId) {
      e.queuedQueries.push(query);
      return;
    }
    // A workflow task is running: look again once it is done.
    this.later(20, () => {
      if (this.queries.has(query.id)) this.dispatchQuery(e, query);
    });
  }

  private answer(queryId: string, answer: QueryAnswer) {
    this.queries.get(queryId)?.resolve(answer);
  }

  answerQuery(request: any): void {
    const token = decodeToken(request.taskToken, 'query');
    if (!this.queries.has(token.queryId ?? '')) {
      throw new RpcError(
        grpc.status.NOT_FOUND,
        'query not found: the caller gave up waiting',
      );
    }
    // temporal.api.enums.v1.QueryResultType: 1 answered, 2 failed.
    this.answer(
      token.queryId!,
      request.completedType === 1
        ? { answered: true, result: request.queryResult }
        : {
            answered: false,
            error: request.errorMessage,
            failure: request.failure,
          },
    );
  }

  startActivityTask(task: ActivityTask) {
    const e = task.execution;
    if (
      e.status !== 'WORKFLOW_EXECUTION_STATUS_RUNNING' ||
      !this.pendingActivities.has(`${e.runId}/${task.scheduledEventId}`)
    )
      return undefined;
    const a = task.attributes;
    return {
      taskToken: encodeToken({
        kind: 'activity',
        namespace: e.namespace,
        workflowId: e.workflowId,
        runId: e.runId,
        scheduledEventId: task.scheduledEventId,
        attempt: task.attempt,
      }),
      workflowNamespace: e.namespace,
      workflowType: { name: e.workflowType },
      workflowExecution: { workflowId: e.workflowId, runId: e.runId },
      activityType: a.activityType,
      activityId: a.activityId,
      header: a.header,
      input: a.input,
      scheduledTime: e.history[task.scheduledEventId - 1].eventTime,
      currentAttemptScheduledTime: timestamp(task.scheduledAt),
      startedTime: timestamp(Date.now()),
      attempt: task.attempt,
      scheduleToCloseTimeout: a.scheduleToCloseTimeout,
      startToCloseTimeout: a.startToCloseTimeout,
      heartbeatTimeout: a.heartbeatTimeout,
      retryPolicy: a.retryPolicy,
    };
  }

  private pendingActivity(tokenBytes: Uint8Array | undefined) {
    const token = decodeToken(tokenBytes, 'activity');
    const task = this.pendingActivities.get(
      `${token.runId}/${token.scheduledEventId}`,
    );
    if (
      !task ||
      task.attempt !== token.attempt ||
      task.execution.status !== 'WORKFLOW_EXECUTION_STATUS_RUNNING'
    ) {
      throw new RpcError(
        grpc.status.NOT_FOUND,
        'Activity task not found: it timed out, was retried, or the workflow closed',
      );
    }
    return task;
  }

  private finishActivity(
    task: ActivityTask,
    eventType: string,
    field: string,
    attributes: object,
    identity: string,
  ) {
    const e = task.execution;
    this.pendingActivities.delete(`${e.runId}/${task.scheduledEventId}`);
    const started = this.executions.append(
      e,
      'EVENT_TYPE_ACTIVITY_TASK_STARTED',
      'activityTaskStartedEventAttributes',
      {
        scheduledEventId: task.scheduledEventId,
        identity,
        attempt: task.attempt,
      },
    );
    this.executions.append(e, eventType, field, {
      ...attributes,
      scheduledEventId: task.scheduledEventId,
      startedEventId: started.eventId,
      identity,
    });
    this.requestWorkflowTask(e);
  }

  completeActivity(request: any): void {
    const task = this.pendingActivity(request.taskToken);
    this.finishActivity(
      task,
      'EVENT_TYPE_ACTIVITY_TASK_COMPLETED',
      'activityTaskCompletedEventAttributes',
      { result: request.result },
      request.identity,
    );
  }

  failActivity(request: any): void {
    const task = this.pendingActivity(request.taskToken);
    const policy = task.attributes.retryPolicy ?? {};
    const failure = request.failure;
    const type = failure?.applicationFailureInfo?.type;
    const nonRetryable =
      failure?.applicationFailureInfo?.nonRetryable ||
      (policy.nonRetryableErrorTypes ?? []).includes(type);
    const maximumAttempts = policy.maximumAttempts ?? 0;
    if (
      !nonRetryable &&
      (maximumAttempts === 0 || task.attempt < maximumAttempts)
    ) {
      const initial = durationMs(policy.initialInterval) ?? 1000;
      const coefficient = policy.backoffCoefficient || 2;
      const maximum = durationMs(policy.maximumInterval) ?? initial * 100;
      const delay = Math.min(
        maximum,
        initial * coefficient ** (task.attempt - 1),
      );
      const next: ActivityTask = {
        ...task,
        attempt: task.attempt + 1,
        scheduledAt: Date.now() + delay,
      };
      this.pendingActivities.set(
        `${task.execution.runId}/${task.scheduledEventId}`,
        next,
      );
      this.later(delay, () =>
        this.activityTasks.add(
          task.execution.namespace,
          task.attributes.taskQueue?.name || task.execution.taskQueue,
          next,
        ),
      );
      return;
    }
    this.finishActivity(
      task,
      'EVENT_TYPE_ACTIVITY_TASK_FAILED',
      'activityTaskFailedEventAttributes',
      {
        failure,
        retryState: nonRetryable
          ? 'RETRY_STATE_NON_RETRYABLE_FAILURE'
          : 'RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED',
      },
      request.identity,
    );
  }

  signal(e: Execution, request: any): void {
    if (e.status !== 'WORKFLOW_EXECUTION_STATUS_RUNNING') {
      throw new RpcError(
        grpc.status.NOT_FOUND,
        'workflow execution already completed',
      );
    }
    this.executions.append(
      e,
      'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED',
      'workflowExecutionSignaledEventAttributes',
      {
        signalName: request.signalName,
        input: request.input,
        identity: request.identity,
        header: request.header,
      },
    );
    this.requestWorkflowTask(e);
  }
}
