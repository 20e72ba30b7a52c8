import { ActivityFailure, ApplicationFailure } from '@temporalio/common';

/** The message of what failed, without the wrapping layers of activity failures. */
export function failureMessage(error: unknown): string {
  let current: unknown = error;
  while (current instanceof ActivityFailure && current.cause)
    current = current.cause;
  if (current instanceof ApplicationFailure) return current.message;
  return current instanceof Error ? current.message : String(current);
}
