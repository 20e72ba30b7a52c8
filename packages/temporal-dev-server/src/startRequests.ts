/*
 * What StartWorkflowExecution and SignalWithStartWorkflowExecution check before they start
 * anything, in the order and words of Temporal's frontend: required fields, timeouts, the
 * workflow ID policies together, search attributes; and what this server refuses because it does
 * not implement it (cron schedules, workflow retry policies), where Temporal would accept them.
 */
import * as grpc from '@grpc/grpc-js';
import { temporal, type google } from '@temporalio/proto';
import type { Plain } from './grpc/plain';
import { RpcError } from './grpc/serviceDefinition';
import type { Execution } from './state';
import type { StartResult } from './WorkflowExecutions';
import type { Visibility } from './visibility/Visibility';

import {
  CONFLICT_FAIL,
  CONFLICT_TERMINATE_EXISTING,
  REJECT_DUPLICATE,
  TERMINATE_IF_RUNNING,
} from './workflowIdPolicies';

const { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } =
  temporal.api.enums.v1;

/** A StartWorkflowExecution or SignalWithStartWorkflowExecution request (the fields of either). */
type StartRequest =
  Plain<temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest> &
    Plain<temporal.api.workflowservice.v1.ISignalWithStartWorkflowExecutionRequest>;

const invalid = (message: string) =>
  new RpcError(grpc.status.INVALID_ARGUMENT, message);

/** A required string field, refused in the words Temporal uses ("WorkflowId is not set on request."). */
export function required(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '')
    throw invalid(`${name} is not set on request.`);
  return value;
}

/** A task queue a request names, checked as Temporal's task queue validator does. */
export function taskQueueName(taskQueue: { name?: string } | undefined) {
  if (!taskQueue) throw invalid('taskQueue is not set');
  if (!taskQueue.name) throw invalid('missing task queue name');
  return taskQueue.name;
}

/** Why a protobuf Duration is refused (Temporal's timestamp.ValidateAndCapProtoDuration), if it is. */
function durationRefused(
  d: Plain<google.protobuf.IDuration> | undefined,
): string | undefined {
  if (!d) return undefined;
  const seconds = Number(d.seconds ?? 0);
  const nanos = Number(d.nanos ?? 0);
  if ((seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0))
    return 'duration has seconds and nanos with different signs';
  if (seconds < 0 || nanos < 0) return 'negative duration';
  return undefined;
}

const TIMEOUTS: Array<
  [
    'workflowExecutionTimeout' | 'workflowRunTimeout' | 'workflowTaskTimeout',
    string,
  ]
> = [
  ['workflowExecutionTimeout', 'WorkflowExecutionTimeoutSeconds'],
  ['workflowRunTimeout', 'WorkflowRunTimeoutSeconds'],
  ['workflowTaskTimeout', 'WorkflowTaskTimeoutSeconds'],
];

function checkTimeouts(request: StartRequest) {
  for (const [field, name] of TIMEOUTS) {
    const refused = durationRefused(request[field]);
    if (refused)
      throw invalid(`An invalid ${name} is set on request. cause: ${refused}`);
  }
}

/** What Temporal implements and this server does not: refused, never silently ignored. */
export function unimplementedStartOption(request: {
  cronSchedule?: string;
  retryPolicy?: unknown;
}): string | undefined {
  if (request.retryPolicy)
    return 'A workflow RetryPolicy is not implemented by this Temporal dev server (activity retry policies are): start the workflow without one';
  if (request.cronSchedule)
    return 'CronSchedule is not implemented by this Temporal dev server: start the workflow without one';
  return undefined;
}

function checkUnimplemented(request: StartRequest) {
  const refused = unimplementedStartOption(request);
  if (refused) throw new RpcError(grpc.status.UNIMPLEMENTED, refused);
}

function checkIdPolicies(request: StartRequest) {
  const reuse =
    request.workflowIdReusePolicy ??
    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED;
  const conflict =
    request.workflowIdConflictPolicy ??
    WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED;
  if (
    conflict !==
      WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED &&
    reuse === TERMINATE_IF_RUNNING
  )
    throw invalid(
      'Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING cannot be used together with a WorkflowIDConflictPolicy',
    );
  if (conflict === CONFLICT_TERMINATE_EXISTING && reuse === REJECT_DUPLICATE)
    throw invalid(
      'Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE cannot be used together with WorkflowIdConflictPolicy WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING',
    );
}

/**
 * Checks a start request (StartWorkflowExecution, or SignalWithStart's start part) as Temporal's
 * frontend does, in its order; throws the refusal.
 */
export function validateStartRequest(
  request: StartRequest,
  kind: 'start' | 'signal-with-start',
  namespace: string,
  visibility: Visibility,
): void {
  required(request.workflowId, 'WorkflowId');
  if (kind === 'start') {
    checkUnimplemented(request);
    if (!request.workflowType?.name)
      throw invalid('WorkflowType is not set on request.');
    taskQueueName(request.taskQueue);
    checkTimeouts(request);
    checkIdPolicies(request);
  } else {
    if (!request.signalName) throw invalid('signal not set');
    if (!request.workflowType?.name) throw invalid('workflow type not set');
    taskQueueName(request.taskQueue);
    checkTimeouts(request);
    checkUnimplemented(request);
    checkIdPolicies(request);
    if (request.workflowIdConflictPolicy === CONFLICT_FAIL)
      throw invalid(
        'Invalid WorkflowIDConflictPolicy: WORKFLOW_ID_CONFLICT_POLICY_FAIL is not supported for this operation.',
      );
  }
  const refused = visibility.validate(namespace, request.searchAttributes);
  if (refused) throw invalid(refused);
}

/** The message of a WorkflowExecutionAlreadyStarted refusal, in Temporal's words for its reason. */
export function alreadyStartedMessage(
  result: Extract<StartResult, { kind: 'already-started' }>,
): string {
  const { workflowId, runId } = result.execution as Execution;
  switch (result.reason) {
    case 'reject-duplicate':
      return `Workflow execution already finished. WorkflowId: ${workflowId}, RunId: ${runId}. Workflow Id reuse policy: reject duplicate workflow Id.`;
    case 'failed-only':
      return `Workflow execution already finished successfully. WorkflowId: ${workflowId}, RunId: ${runId}. Workflow Id reuse policy: allow duplicate workflow Id if last run failed.`;
    default:
      return `Workflow execution is already running. WorkflowId: ${workflowId}, RunId: ${runId}.`;
  }
}
