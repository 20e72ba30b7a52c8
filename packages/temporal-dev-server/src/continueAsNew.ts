/*
 * Continue-as-new: the run a ContinueAsNewWorkflowExecution command starts (what it keeps of the
 * run it continues), and the event that closes the run it continues.
 */
import { temporal } from '@temporalio/proto';
import type { Plain } from './grpc/plain';
import type { Execution, NewEvent } from './state';
import type { StartRequest } from './WorkflowExecutions';
import { normalQueue } from './workflowTaskEvents';

const { TaskQueueKind, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } =
  temporal.api.enums.v1;

export type ContinueAsNewAttributes =
  Plain<temporal.api.command.v1.IContinueAsNewWorkflowExecutionCommandAttributes>;

/** The next run's start: what the command sets, else what the run it continues had. */
export function continuedRunRequest(
  e: Execution,
  a: ContinueAsNewAttributes,
): StartRequest {
  return {
    namespace: e.namespace,
    workflowId: e.workflowId,
    workflowType: a.workflowType?.name || e.workflowType,
    taskQueue: a.taskQueue?.name || e.taskQueue,
    requestId: `${e.runId}/continued`,
    reusePolicy: WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED,
    conflictPolicy:
      WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED,
    memo: a.memo ?? e.memo,
    searchAttributes: a.searchAttributes ?? e.searchAttributes,
    attributes: {
      workflowType: a.workflowType?.name
        ? a.workflowType
        : { name: e.workflowType },
      taskQueue: {
        name: a.taskQueue?.name || e.taskQueue,
        kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
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
  };
}

/** The event that closes the continued run, naming the next one. */
export function continuedAsNewEvent(
  next: Execution,
  a: ContinueAsNewAttributes,
  completedEventId: number,
): NewEvent {
  return {
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
  };
}
