import { ApplicationFailure } from '@temporalio/common';
import { ClusterRequestError } from '../cluster/errors';

/**
 * Turns a cluster error into the failure Temporal retries or not: the error's reason becomes the
 * failure type the workflow's retry policies list as non-retryable.
 */
export function asActivityFailure(error: unknown): unknown {
  if (error instanceof ClusterRequestError) {
    return ApplicationFailure.create({
      type: error.reason,
      message: error.message,
      nonRetryable: !error.retryable && error.reason !== 'Unauthorized',
    });
  }
  return error;
}

/** Runs an activity body, translating cluster errors on the way out. */
export async function translatingClusterErrors<T>(
  body: () => Promise<T>,
): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw asActivityFailure(error);
  }
}

/** A spec the cluster will refuse whatever happens: fail at once, saying what to fix. */
export function invalidSpec(message: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'Invalid',
    message,
    nonRetryable: true,
  });
}
