import type { ClusterErrorReason } from './types';

const RETRYABLE: ReadonlySet<ClusterErrorReason> = new Set([
  'Transient',
  'Conflict',
]);

/** A failed cluster request, with a message a person can act on and no credentials in it. */
export class ClusterRequestError extends Error {
  readonly name = 'ClusterRequestError';

  constructor(
    readonly reason: ClusterErrorReason,
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
  }

  /** Whether trying the same request again may succeed. */
  get retryable(): boolean {
    return RETRYABLE.has(this.reason);
  }
}
