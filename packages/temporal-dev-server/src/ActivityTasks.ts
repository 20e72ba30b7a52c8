/*
 * Activities: scheduled by a workflow's command, offered to workers, retried by their retry policy
 * with backoff, timed out by their schedule-to-start, start-to-close, schedule-to-close and
 * heartbeat timeouts, and cancelled through heartbeats. Their started event is written only when
 * the activity closes, as the Temporal server does for retried activities.
 */
import * as grpc from '@grpc/grpc-js';
import { temporal, type google } from '@temporalio/proto';
import { Deadlines } from './Deadlines';
import type { Plain } from './grpc/plain';
import { RpcError } from './grpc/serviceDefinition';
import { durationMs, timestamp } from './history/time';
import { nextRetry, withDefaults, type RetryState } from './retryPolicy';
import {
  isRunning,
  type ActivityAttributes,
  type ActivityState,
  type Execution,
  type NewEvent,
} from './state';
import { decodeToken, encodeToken } from './taskTokens';
import { TaskQueues } from './TaskQueues';
import type { WorkflowExecutions } from './WorkflowExecutions';

export interface ActivityTask {
  execution: Execution;
  scheduledEventId: number;
  attempt: number;
}

const { TaskQueueKind, TimeoutType } = temporal.api.enums.v1;

/** Each timeout's type, and the name Temporal gives it in the failure message. */
const TIMEOUT_TYPES = {
  START_TO_CLOSE: [TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE, 'StartToClose'],
  SCHEDULE_TO_START: [
    TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START,
    'ScheduleToStart',
  ],
  SCHEDULE_TO_CLOSE: [
    TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE,
    'ScheduleToClose',
  ],
  HEARTBEAT: [TimeoutType.TIMEOUT_TYPE_HEARTBEAT, 'Heartbeat'],
} as const;
type TimeoutKind = keyof typeof TIMEOUT_TYPES;

type Failure = Plain<temporal.api.failure.v1.IFailure>;

const ms = (d: Plain<google.protobuf.IDuration> | undefined) =>
  durationMs(d) || 0;

export class ActivityTasks {
  readonly queues = new TaskQueues<ActivityTask>();

  constructor(
    private readonly executions: WorkflowExecutions,
    private readonly deadlines: Deadlines,
    private readonly onEvent: (e: Execution) => void,
  ) {}

  private queueOf(e: Execution, state: ActivityState) {
    return state.attributes.taskQueue?.name || e.taskQueue;
  }

  private deadlineName(e: Execution, state: ActivityState) {
    return `${e.runId}/activity/${state.scheduledEventId}`;
  }

  /**
   * Schedules an activity. With `eager`, the attempt is not offered on its queue: the caller
   * starts it for the worker that asked (the returned task), as the answer to its workflow task.
   */
  schedule(
    e: Execution,
    requested: ActivityAttributes,
    completedEventId: number,
    eager = false,
  ): ActivityTask | undefined {
    // As the Temporal server does: absent timeouts are explicit zeros ("no limit"), and
    // start-to-close defaults to schedule-to-close.
    const none = { seconds: 0 };
    const attributes: ActivityAttributes = {
      ...requested,
      taskQueue: requested.taskQueue?.name
        ? requested.taskQueue
        : { name: e.taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      scheduleToCloseTimeout: requested.scheduleToCloseTimeout ?? none,
      scheduleToStartTimeout: requested.scheduleToStartTimeout ?? none,
      startToCloseTimeout:
        requested.startToCloseTimeout ??
        requested.scheduleToCloseTimeout ??
        none,
      heartbeatTimeout: requested.heartbeatTimeout ?? none,
      retryPolicy: withDefaults(requested.retryPolicy),
    };
    const [scheduled] = this.executions.append(e, {
      eventType: 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
      field: 'activityTaskScheduledEventAttributes',
      attributes: {
        ...attributes,
        workflowTaskCompletedEventId: completedEventId,
      },
    });
    const now = this.deadlines.clock.now();
    const state: ActivityState = {
      scheduledEventId: scheduled.eventId,
      attempt: 1,
      attemptScheduledAt: now,
      firstScheduledAt: now,
      attributes,
    };
    e.activities[scheduled.eventId] = state;
    // Eager: start() arms its timeouts when the caller starts it.
    if (eager) return this.taskOf(e, state);
    this.offer(e, state);
    return undefined;
  }

  /** The task for an activity's current attempt. */
  private taskOf(e: Execution, state: ActivityState): ActivityTask {
    return {
      execution: e,
      scheduledEventId: state.scheduledEventId,
      attempt: state.attempt,
    };
  }

  /** Offers the current attempt to workers, once its backoff has passed. */
  private offer(e: Execution, state: ActivityState) {
    const task = this.taskOf(e, state);
    const add = () => {
      this.queues.add(e.namespace, this.queueOf(e, state), task);
      this.armTimeouts(e, state);
    };
    if (state.attemptScheduledAt > this.deadlines.clock.now())
      this.deadlines.arm(
        this.deadlineName(e, state),
        state.attemptScheduledAt,
        add,
      );
    else add();
  }

  /** Re-offers every pending activity of a run loaded from a store. */
  resume(e: Execution): void {
    for (const state of Object.values(e.activities)) {
      if (state.startedAt) this.armTimeouts(e, state);
      else this.offer(e, state);
    }
  }

  /** Arms the nearest of the activity's deadlines. */
  private armTimeouts(e: Execution, state: ActivityState) {
    const a = state.attributes;
    const candidates: Array<[TimeoutKind, number]> = [];
    const scheduleToClose = ms(a.scheduleToCloseTimeout);
    if (scheduleToClose)
      candidates.push([
        'SCHEDULE_TO_CLOSE',
        state.firstScheduledAt + scheduleToClose,
      ]);
    if (state.startedAt) {
      candidates.push([
        'START_TO_CLOSE',
        state.startedAt + ms(a.startToCloseTimeout),
      ]);
      const heartbeat = ms(a.heartbeatTimeout);
      if (heartbeat)
        candidates.push([
          'HEARTBEAT',
          (state.heartbeatAt ?? state.startedAt) + heartbeat,
        ]);
    } else if (ms(a.scheduleToStartTimeout)) {
      candidates.push([
        'SCHEDULE_TO_START',
        state.attemptScheduledAt + ms(a.scheduleToStartTimeout),
      ]);
    }
    if (candidates.length === 0) return;
    const [kind, at] = candidates.sort((x, y) => x[1] - y[1])[0];
    const attempt = state.attempt;
    this.deadlines.arm(this.deadlineName(e, state), at, () => {
      if (
        e.activities[state.scheduledEventId] === state &&
        state.attempt === attempt
      )
        this.timeOut(e, state, kind);
    });
  }

  private timeOut(e: Execution, state: ActivityState, kind: TimeoutKind) {
    const timeoutFailure = (
      message: string,
      type: temporal.api.enums.v1.TimeoutType,
    ): Failure => ({
      message,
      timeoutFailureInfo: {
        timeoutType: type,
        lastHeartbeatDetails: state.heartbeatDetails,
      },
    });
    let failure = timeoutFailure(
      `activity ${TIMEOUT_TYPES[kind][1]} timeout`,
      TIMEOUT_TYPES[kind][0],
    );
    const retryState = this.retry(e, state, failure, undefined);
    if (retryState === 'RETRY_STATE_IN_PROGRESS') return;
    // As Temporal reports it: no time left for another attempt is a schedule-to-close timeout.
    if (retryState === 'RETRY_STATE_TIMEOUT' && kind !== 'SCHEDULE_TO_START')
      failure = timeoutFailure(
        'Not enough time to schedule next retry before activity ScheduleToClose timeout, giving up retrying',
        TIMEOUT_TYPES.SCHEDULE_TO_CLOSE[0],
      );
    this.close(
      e,
      state,
      {
        eventType: 'EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT',
        field: 'activityTaskTimedOutEventAttributes',
        attributes: { failure, retryState },
      },
      state.startedIdentity ?? '',
    );
  }

  /** The poll response for a task, or undefined when the task went stale meanwhile. */
  start(task: ActivityTask, identity: string) {
    const e = task.execution;
    const state = e.activities[task.scheduledEventId];
    if (
      !isRunning(e) ||
      !state ||
      state.attempt !== task.attempt ||
      state.startedAt
    )
      return undefined;
    state.startedAt = this.deadlines.clock.now();
    state.startedIdentity = identity;
    this.armTimeouts(e, state);
    this.executions.changed(e);
    const a = state.attributes;
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
      heartbeatDetails: state.heartbeatDetails,
      scheduledTime: timestamp(state.firstScheduledAt),
      currentAttemptScheduledTime: timestamp(state.attemptScheduledAt),
      startedTime: timestamp(state.startedAt),
      attempt: task.attempt,
      scheduleToCloseTimeout: a.scheduleToCloseTimeout,
      startToCloseTimeout: a.startToCloseTimeout,
      heartbeatTimeout: a.heartbeatTimeout,
      retryPolicy: a.retryPolicy,
    };
  }

  /** The pending, started activity a task token names, or NOT_FOUND as Temporal answers. */
  private pending(tokenBytes: Uint8Array | undefined) {
    const token = decodeToken(tokenBytes, 'activity');
    const e = this.executions.find(
      token.namespace,
      token.workflowId,
      token.runId,
    );
    if (e && !isRunning(e))
      throw new RpcError(
        grpc.status.NOT_FOUND,
        'workflow execution already completed',
      );
    const state = e?.activities[token.scheduledEventId];
    if (!e || !state || state.attempt !== token.attempt || !state.startedAt) {
      // It timed out, was retried, or finished already.
      throw new RpcError(
        grpc.status.NOT_FOUND,
        'invalid activityID or activity already timed out or invoking workflow is completed',
      );
    }
    return { e, state };
  }

  /** Writes the started and closing events; the workflow gets a task to see them. */
  private close(
    e: Execution,
    state: ActivityState,
    closing: NewEvent,
    identity: string,
  ) {
    delete e.activities[state.scheduledEventId];
    this.deadlines.disarm(this.deadlineName(e, state));
    const startedEvent: NewEvent = {
      eventType: 'EVENT_TYPE_ACTIVITY_TASK_STARTED',
      field: 'activityTaskStartedEventAttributes',
      attributes: {
        scheduledEventId: state.scheduledEventId,
        identity: state.startedIdentity ?? identity,
        attempt: state.attempt,
        lastFailure: state.lastFailure,
      },
    };
    const closingEvent: NewEvent = {
      ...closing,
      attributes: {
        ...closing.attributes,
        scheduledEventId: state.scheduledEventId,
        identity,
      },
    };
    this.executions.record(
      e,
      state.startedAt
        ? { events: [startedEvent, closingEvent], linkStarted: true }
        : { events: [closingEvent] },
    );
    this.onEvent(e);
  }

  complete(
    request: Plain<temporal.api.workflowservice.v1.IRespondActivityTaskCompletedRequest>,
  ): void {
    const { e, state } = this.pending(request.taskToken);
    this.close(
      e,
      state,
      {
        eventType: 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED',
        field: 'activityTaskCompletedEventAttributes',
        attributes: { result: request.result },
      },
      request.identity ?? '',
    );
  }

  fail(
    request: Plain<temporal.api.workflowservice.v1.IRespondActivityTaskFailedRequest>,
  ): void {
    const { e, state } = this.pending(request.taskToken);
    const failure = request.failure;
    const retryState = this.retry(
      e,
      state,
      failure,
      request.lastHeartbeatDetails,
    );
    if (retryState === 'RETRY_STATE_IN_PROGRESS') return;
    this.close(
      e,
      state,
      {
        eventType: 'EVENT_TYPE_ACTIVITY_TASK_FAILED',
        field: 'activityTaskFailedEventAttributes',
        attributes: { failure, retryState },
      },
      request.identity ?? '',
    );
  }

  /**
   * Schedules the next attempt if the retry policy allows it within the schedule-to-close
   * timeout (RETRY_STATE_IN_PROGRESS); otherwise the retry state the activity closes with.
   */
  private retry(
    e: Execution,
    state: ActivityState,
    failure: Failure | undefined,
    heartbeatDetails: ActivityState['heartbeatDetails'],
  ): RetryState {
    const now = this.deadlines.clock.now();
    const scheduleToClose = ms(state.attributes.scheduleToCloseTimeout);
    const { retryState, delayMs } = nextRetry({
      policy: state.attributes.retryPolicy,
      attempt: state.attempt,
      failure,
      now,
      expiresAt: scheduleToClose
        ? state.firstScheduledAt + scheduleToClose
        : undefined,
      cancelRequested: state.cancelRequested,
    });
    if (retryState !== 'RETRY_STATE_IN_PROGRESS') return retryState;
    state.attempt += 1;
    state.attemptScheduledAt = now + delayMs!;
    // The new attempt's heartbeat timeout counts from its own start; the details carry over.
    state.startedAt = undefined;
    state.heartbeatAt = undefined;
    state.lastFailure = failure;
    if (heartbeatDetails) state.heartbeatDetails = heartbeatDetails;
    this.executions.changed(e);
    this.offer(e, state);
    return retryState;
  }

  heartbeat(
    request: Plain<temporal.api.workflowservice.v1.IRecordActivityTaskHeartbeatRequest>,
  ): { cancelRequested: boolean } {
    const { e, state } = this.pending(request.taskToken);
    state.heartbeatAt = this.deadlines.clock.now();
    if (request.details) state.heartbeatDetails = request.details;
    this.armTimeouts(e, state);
    this.executions.changed(e);
    return { cancelRequested: Boolean(state.cancelRequested) };
  }

  /** The worker confirms a cancellation it was asked for. */
  canceled(
    request: Plain<temporal.api.workflowservice.v1.IRespondActivityTaskCanceledRequest>,
  ): void {
    const { e, state } = this.pending(request.taskToken);
    this.close(
      e,
      state,
      {
        eventType: 'EVENT_TYPE_ACTIVITY_TASK_CANCELED',
        field: 'activityTaskCanceledEventAttributes',
        attributes: {
          details: request.details,
          latestCancelRequestedEventId: this.latestCancelRequest(e, state),
        },
      },
      request.identity ?? '',
    );
  }

  private latestCancelRequest(e: Execution, state: ActivityState) {
    for (let i = e.history.length - 1; i >= 0; i--) {
      const event = e.history[i];
      if (
        event.eventType === 'EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED' &&
        Number(
          event.activityTaskCancelRequestedEventAttributes?.scheduledEventId,
        ) === state.scheduledEventId
      )
        return event.eventId;
    }
    return undefined;
  }

  /**
   * The workflow asks to cancel an activity: one not yet started is cancelled at once; a running
   * one learns it from its next heartbeat. One that finished while the workflow task ran (its
   * finish event waits in the buffer) has the request recorded and nothing more, as Temporal does.
   * The engine checked that the activity is one of these before the task's commands were applied.
   */
  requestCancel(
    e: Execution,
    attributes: Plain<temporal.api.command.v1.IRequestCancelActivityTaskCommandAttributes>,
    completedEventId: number,
  ): void {
    const scheduledEventId = Number(attributes.scheduledEventId);
    const [requested] = this.executions.append(e, {
      eventType: 'EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED',
      field: 'activityTaskCancelRequestedEventAttributes',
      attributes: {
        scheduledEventId,
        workflowTaskCompletedEventId: completedEventId,
      },
    });
    const state = e.activities[scheduledEventId];
    if (!state) return;
    state.cancelRequested = true;
    if (!state.startedAt) {
      delete e.activities[scheduledEventId];
      this.deadlines.disarm(this.deadlineName(e, state));
      this.executions.append(e, {
        eventType: 'EVENT_TYPE_ACTIVITY_TASK_CANCELED',
        field: 'activityTaskCanceledEventAttributes',
        attributes: {
          scheduledEventId,
          latestCancelRequestedEventId: requested.eventId,
        },
      });
      e.needsWorkflowTask = true;
    }
  }
}
