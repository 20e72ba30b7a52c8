/*
 * The scheduled, started and failed events of a workflow task, built from its state: written to the
 * history as the task moves on or, for a retry whose events are written only if it completes (a
 * transient task, as Temporal calls it), shown to its worker after the history.
 */
import { temporal } from '@temporalio/proto';
import type { Plain } from './grpc/plain';
import {
  isTransient,
  toHistoryEvent,
  type EnumName,
  type Execution,
  type HistoryEvent,
  type NewEvent,
  type WorkflowTaskState,
} from './state';

const { TaskQueueKind } = temporal.api.enums.v1;

/** A run's task queue as the SDK expects to see it in a workflow task. */
export const normalQueue = (e: Execution) => ({
  name: e.taskQueue,
  kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
});

export function scheduledEvent(
  e: Execution,
  task: WorkflowTaskState,
): NewEvent {
  return {
    eventType: 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
    field: 'workflowTaskScheduledEventAttributes',
    time: task.scheduledAt,
    attributes: {
      taskQueue: task.sticky
        ? {
            name: task.queue,
            kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY,
            normalName: e.taskQueue,
          }
        : normalQueue(e),
      startToCloseTimeout: { seconds: e.workflowTaskTimeoutMs / 1000 },
      attempt: task.attempt,
    },
  };
}

export function startedEvent(e: Execution, task: WorkflowTaskState): NewEvent {
  return {
    eventType: 'EVENT_TYPE_WORKFLOW_TASK_STARTED',
    field: 'workflowTaskStartedEventAttributes',
    time: task.startedAt,
    attributes: {
      scheduledEventId: task.scheduledEventId,
      identity: task.startedIdentity ?? '',
      requestId: `${e.runId}-${task.scheduledEventId}-${task.attempt}`,
      historySizeBytes: 0,
    },
  };
}

/** A workflow task's failure cause: the worker's (a number), or the server's (by name). */
type FailedCause =
  | temporal.api.enums.v1.WorkflowTaskFailedCause
  | EnumName<typeof temporal.api.enums.v1.WorkflowTaskFailedCause>;

/** How a workflow task failed: the worker said so, or the server refused what it answered. */
export function workflowTaskFailedEvent(
  task: WorkflowTaskState,
  startedEventId: number,
  identity: string | undefined,
  why: {
    cause: FailedCause | undefined;
    failure: Plain<temporal.api.failure.v1.IFailure> | undefined;
  },
): NewEvent {
  return {
    eventType: 'EVENT_TYPE_WORKFLOW_TASK_FAILED',
    field: 'workflowTaskFailedEventAttributes',
    attributes: {
      scheduledEventId: task.scheduledEventId,
      startedEventId,
      cause: why.cause,
      failure: why.failure,
      identity,
    },
  };
}

/** A failure the server reports (a refused workflow task), as Temporal builds it. */
export const serverFailure = (
  message: string,
): Plain<temporal.api.failure.v1.IFailure> => ({
  message,
  serverFailureInfo: { nonRetryable: false },
});

/** A workflow task that timed out: never started (schedule-to-start), or never answered. */
export function workflowTaskTimedOutEvent(
  task: WorkflowTaskState,
  timeoutType: 'TIMEOUT_TYPE_SCHEDULE_TO_START' | 'TIMEOUT_TYPE_START_TO_CLOSE',
): NewEvent {
  return {
    eventType: 'EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT',
    field: 'workflowTaskTimedOutEventAttributes',
    attributes: {
      scheduledEventId: task.scheduledEventId,
      startedEventId: task.startedEventId,
      timeoutType,
    },
  };
}

/** The events of the run's open transient task, as its worker sees them after the history. */
export function transientEvents(e: Execution): HistoryEvent[] {
  const task = e.workflowTask;
  if (!task || !isTransient(task) || !task.startedEventId) return [];
  return [scheduledEvent(e, task), startedEvent(e, task)].map((event, i) =>
    toHistoryEvent(event, task.scheduledEventId + i, event.time!),
  );
}
