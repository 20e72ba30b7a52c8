/*
 * The scheduled, started and failed events of a workflow task, built from its state: written to the
 * history as the task moves on or, for a retry whose events are written only if it completes (a
 * transient task, as Temporal calls it), shown to its worker after the history.
 */
import {
  isTransient,
  toHistoryEvent,
  type Execution,
  type HistoryEvent,
  type NewEvent,
  type WorkflowTaskState,
} from './state';

/** A run's task queue as the SDK expects to see it in a workflow task. */
export const normalQueue = (e: Execution) => ({
  name: e.taskQueue,
  kind: 'TASK_QUEUE_KIND_NORMAL',
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
            kind: 'TASK_QUEUE_KIND_STICKY',
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

/** How a workflow task failed: the worker said so, or the server refused what it answered. */
export function workflowTaskFailedEvent(
  task: WorkflowTaskState,
  startedEventId: number,
  identity: string | undefined,
  why: { cause: string; failure: unknown },
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

/** The events of the run's open transient task, as its worker sees them after the history. */
export function transientEvents(e: Execution): HistoryEvent[] {
  const task = e.workflowTask;
  if (!task || !isTransient(task) || !task.startedEventId) return [];
  return [scheduledEvent(e, task), startedEvent(e, task)].map((event, i) =>
    toHistoryEvent(event, task.scheduledEventId + i, event.time!),
  );
}
