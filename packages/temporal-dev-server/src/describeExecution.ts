/*
 * How a run is described to clients: DescribeWorkflowExecution's answer (with its pending
 * activities and workflow task), and the run's entry in ListWorkflowExecutions.
 */
import type { temporal } from '@temporalio/proto';
import { timestamp } from './history/time';
import type { ActivityState, EnumName, Execution } from './state';

type Enums = typeof temporal.api.enums.v1;

/** A run as DescribeWorkflowExecution and ListWorkflowExecutions show it. */
export const executionInfo = (e: Execution) => ({
  execution: { workflowId: e.workflowId, runId: e.runId },
  type: { name: e.workflowType },
  startTime: timestamp(e.startTime),
  executionTime: timestamp(e.startTime),
  closeTime: e.closeTime ? timestamp(e.closeTime) : undefined,
  status: e.status,
  historyLength: e.historyLength ?? e.history.length,
  taskQueue: e.taskQueue,
  memo: e.memo,
  searchAttributes: e.searchAttributes,
});

function pendingWorkflowTask(e: Execution) {
  const task = e.workflowTask;
  if (!task) return undefined;
  const state: EnumName<Enums['PendingWorkflowTaskState']> = task.startedEventId
    ? 'PENDING_WORKFLOW_TASK_STATE_STARTED'
    : 'PENDING_WORKFLOW_TASK_STATE_SCHEDULED';
  return {
    state,
    scheduledTime: timestamp(task.scheduledAt),
    originalScheduledTime: timestamp(task.scheduledAt),
    startedTime: task.startedAt ? timestamp(task.startedAt) : undefined,
    attempt: task.attempt,
  };
}

function pendingActivity(a: ActivityState) {
  let state: EnumName<Enums['PendingActivityState']> =
    'PENDING_ACTIVITY_STATE_SCHEDULED';
  if (a.cancelRequested) state = 'PENDING_ACTIVITY_STATE_CANCEL_REQUESTED';
  else if (a.startedAt) state = 'PENDING_ACTIVITY_STATE_STARTED';
  return {
    activityId: a.attributes.activityId,
    activityType: a.attributes.activityType,
    state,
    heartbeatDetails: a.heartbeatDetails,
    lastHeartbeatTime: a.heartbeatAt ? timestamp(a.heartbeatAt) : undefined,
    lastStartedTime: a.startedAt ? timestamp(a.startedAt) : undefined,
    attempt: a.attempt,
    maximumAttempts: a.attributes.retryPolicy?.maximumAttempts ?? 0,
    scheduledTime: timestamp(a.attemptScheduledAt),
    lastFailure: a.lastFailure,
    lastWorkerIdentity: a.startedIdentity,
  };
}

/** DescribeWorkflowExecution's answer. */
export function describeExecution(e: Execution) {
  return {
    executionConfig: {
      taskQueue: { name: e.taskQueue, kind: 'TASK_QUEUE_KIND_NORMAL' },
    },
    workflowExecutionInfo: executionInfo(e),
    pendingActivities: Object.values(e.activities).map(pendingActivity),
    pendingWorkflowTask: pendingWorkflowTask(e),
  };
}
