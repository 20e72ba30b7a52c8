/*
 * Why a resource workflow refuses a request, as the type of the `ApplicationFailure` it refuses
 * it with: callers tell refusals apart by type, never by parsing messages. Workflow-safe, and
 * free of the workflow API, so the backend's client side can import it too.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterErrorReason } from '../cluster/types';

export const FailureTypes = {
  /** The request names another resource than the workflow's. */
  WrongResource: 'WrongResource',
  /** The request is malformed (e.g. its spec is not an object). */
  InvalidRequest: 'InvalidRequest',
  /** A provision for a resource that exists or is being provisioned. */
  AlreadyProvisioned: 'AlreadyProvisioned',
  /** An update for a resource that was never provisioned. */
  NotProvisioned: 'NotProvisioned',
  /** A request for a resource whose deprovision has been accepted. */
  BeingDeprovisioned: 'BeingDeprovisioned',
  /** A deprovision for a resource already gone. */
  AlreadyDeleted: 'AlreadyDeleted',
  /** A decision for a request that is not waiting for approval. */
  NoPendingApproval: 'NoPendingApproval',
  /** A decision by someone who is not among the request's approvers. */
  NotAnApprover: 'NotAnApprover',
  /** A decision by the person who made the request. */
  SelfApproval: 'SelfApproval',
  /** A retry when the last operation did not fail. */
  NothingToRetry: 'NothingToRetry',
  /**
   * Not a refusal of the workflow's: a cluster call that would change fields another manager
   * owns. Activities fail with a cluster error's reason as their type, so it is named here for
   * whoever maps failure types to answers.
   */
  FieldConflict: 'FieldConflict' satisfies ClusterErrorReason,
} as const;

export type FailureType = (typeof FailureTypes)[keyof typeof FailureTypes];

/**
 * A refusal: non-retryable, of the given type, with a message that says what is wrong and what to
 * do. Thrown from an update's validator, it is the caller's answer and nothing is recorded.
 */
export function refusal(
  type: FailureType,
  message: string,
): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}
