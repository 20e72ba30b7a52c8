/*
 * The one place where what the Temporal client throws becomes a Backstage error with the right
 * status: a workflow's typed refusal by its type (never by its message), a workflow that does not
 * exist, and Temporal that cannot be reached or did not answer in time.
 */
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  isGrpcDeadlineError,
  isGrpcServiceError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { refusalKindOf, type RefusalKind } from './refusalTypes';

/** What the request was about, for messages. */
export interface RequestContext {
  /** e.g. `provision`, `status`. */
  operation: string;
  /** How messages name the resource, e.g. `PostgreSQLInstance team-alpha/orders-db in cluster local`. */
  resource: string;
}

/**
 * gRPC status codes that mean Temporal could not be reached or could not answer now: CANCELLED
 * (1), DEADLINE_EXCEEDED (4), RESOURCE_EXHAUSTED (8), UNAVAILABLE (14).
 */
const UNAVAILABLE_CODES = new Set<number>([1, 4, 8, 14]);

function grpcCodeOf(error: unknown): number | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (isGrpcServiceError(current)) return current.code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The innermost application failure: through update and activity failures to the refusal. */
function applicationFailureOf(error: unknown): ApplicationFailure | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof ApplicationFailure) return current;
    if (
      current instanceof WorkflowUpdateFailedError ||
      current instanceof ActivityFailure
    ) {
      current = current.cause;
      continue;
    }
    return undefined;
  }
  return undefined;
}

function byKind(kind: RefusalKind, message: string): Error {
  switch (kind) {
    case 'invalid':
      return new InputError(message);
    case 'forbidden':
      return new NotAllowedError(message);
    case 'notFound':
      return new NotFoundError(message);
    default:
      return new ConflictError(message);
  }
}

/**
 * The Backstage error for what a workflow request threw. Errors it does not recognise are
 * returned as they are (a bug: the caller gets a 500 and the log has the stack).
 */
export function toBackstageError(
  error: unknown,
  context: RequestContext,
): Error {
  const failure = applicationFailureOf(error);
  if (failure) {
    return byKind(
      refusalKindOf(failure.type),
      `${context.operation} refused: ${failure.message}`,
    );
  }
  if (error instanceof WorkflowNotFoundError) {
    return new NotFoundError(
      `${context.resource} has no workflow: it was never provisioned, or its history is gone`,
    );
  }
  if (error instanceof WorkflowExecutionAlreadyStartedError) {
    return new ConflictError(
      `${context.operation} refused: a workflow for ${context.resource} is already running`,
    );
  }
  if (
    error instanceof WorkflowUpdateRPCTimeoutOrCancelledError ||
    isGrpcDeadlineError(error)
  ) {
    return new ServiceUnavailableError(
      `${context.operation} of ${context.resource}: no worker took the request in time. It may still be taken; send it again with the same requestId to learn its outcome without doing it twice.`,
    );
  }
  const code = grpcCodeOf(error);
  if (
    (code !== undefined && UNAVAILABLE_CODES.has(code)) ||
    (error instanceof ServiceError && code === undefined)
  ) {
    return new ServiceUnavailableError(
      `${context.operation} of ${context.resource}: Temporal cannot be reached now; nothing was done. Try again shortly.`,
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}
