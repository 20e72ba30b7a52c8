/*
 * The API's refusals as the `@backstage/errors` error of their status, with the backend's own
 * message, so that callers (a scaffolder task, an action, a route of another plugin) pass them on
 * unchanged: Backstage's error handler answers the same status, and a task log shows the message
 * that says what to fix.
 */
import {
  AuthenticationError,
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ResponseError,
  ServiceUnavailableError,
  isError,
} from '@backstage/errors';

const errorForStatus: Record<number, new (message: string) => Error> = {
  400: InputError,
  401: AuthenticationError,
  403: NotAllowedError,
  404: NotFoundError,
  409: ConflictError,
  // A body too large is the caller's mistake like any other bad input.
  413: InputError,
  503: ServiceUnavailableError,
};

/** The error a failed call to the API becomes. */
export function refusalOf(error: unknown, url: string): Error {
  if (ResponseError.is(error)) {
    const message = error.body?.error?.message || error.message;
    const Refusal = errorForStatus[error.statusCode];
    return Refusal ? new Refusal(message) : error;
  }
  // fetch's own failure: nothing answered (connection refused, DNS, reset). Matched by name: the
  // TypeError may come from another realm than this module's.
  if (isError(error) && error.name === 'TypeError') {
    const reason = (error.cause as Error | undefined)?.message ?? error.message;
    return new ServiceUnavailableError(
      `the crossplane-temporal backend could not be reached at ${url} (${reason}); nothing was done, try again`,
    );
  }
  return error as Error;
}
