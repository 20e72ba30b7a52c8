/*
 * Temporal's WorkflowNotReady: a query or update the run cannot take in its state (no worker ever
 * ran its code, or its workflow task keeps failing).
 */
import * as grpc from '@grpc/grpc-js';
import { packAny } from './grpc/any';
import { RpcError } from './grpc/serviceDefinition';
import { isRunning, type Execution } from './state';

/** FAILED_PRECONDITION, with the details by which clients know it. */
export const workflowNotReady = (message: string) =>
  new RpcError(
    grpc.status.FAILED_PRECONDITION,
    message,
    packAny('temporal.api.errordetails.v1.WorkflowNotReadyFailure', {}),
  );

/** From this attempt on, a run's workflow task counts as failing: queries and updates fail fast. */
const FAILING_WORKFLOW_TASK_ATTEMPT = 3;

/** Whether the run's workflow task keeps failing (its attempt counts up). */
export function hasFailingWorkflowTask(e: Execution): boolean {
  const attempt = e.workflowTask?.attempt ?? e.workflowTaskAttempt ?? 1;
  return isRunning(e) && attempt >= FAILING_WORKFLOW_TASK_ATTEMPT;
}
