/*
 * Activity retry policies as the Temporal server applies them: its defaults for what a policy
 * leaves unset (or for no policy at all), which failures may be retried, and when the next attempt
 * is due or which retry state ends the retries.
 */
import { temporal } from '@temporalio/proto';
import type { Plain } from './grpc/plain';
import { durationMs, durationOf } from './history/time';
import type { EnumName } from './state';

const { TimeoutType } = temporal.api.enums.v1;

/** The retry states an activity's retries end with (or go on with: IN_PROGRESS). */
export type RetryState = Extract<
  EnumName<typeof temporal.api.enums.v1.RetryState>,
  | 'RETRY_STATE_IN_PROGRESS'
  | 'RETRY_STATE_NON_RETRYABLE_FAILURE'
  | 'RETRY_STATE_TIMEOUT'
  | 'RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED'
  | 'RETRY_STATE_CANCEL_REQUESTED'
>;

type Policy = Plain<temporal.api.common.v1.IRetryPolicy>;
type Failure = Plain<temporal.api.failure.v1.IFailure>;

/** A policy with Temporal's defaults in what it left unset. */
type FilledPolicy = Policy &
  Required<
    Pick<
      Policy,
      | 'initialInterval'
      | 'backoffCoefficient'
      | 'maximumInterval'
      | 'maximumAttempts'
    >
  >;

/** The prefix by which a policy names a timeout non-retryable ("TemporalTimeout:StartToClose"). */
const TIMEOUT_TYPE_PREFIX = 'TemporalTimeout:';
/** The timeouts of an attempt, which a retry may get past, by the names policies use. */
const TIMEOUT_NAMES = new Map<number, string>([
  [TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE, 'StartToClose'],
  [TimeoutType.TIMEOUT_TYPE_HEARTBEAT, 'Heartbeat'],
]);

/** Temporal's default policy: 1 s, doubling, at most 100 times the initial interval, no limit. */
export function withDefaults(policy: Policy | undefined): FilledPolicy {
  const initialMs = durationMs(policy?.initialInterval) || 1000;
  return {
    ...policy,
    initialInterval: durationOf(initialMs),
    backoffCoefficient: policy?.backoffCoefficient || 2,
    maximumInterval: durationOf(
      durationMs(policy?.maximumInterval) || 100 * initialMs,
    ),
    maximumAttempts: policy?.maximumAttempts ?? 0,
  };
}

/** Whether a failure may be retried at all (before attempts and time are counted). */
function isRetryable(
  failure: Failure | undefined,
  nonRetryableTypes: string[],
): boolean {
  if (!failure) return true;
  if (failure.terminatedFailureInfo || failure.canceledFailureInfo)
    return false;
  const timeout = failure.timeoutFailureInfo?.timeoutType;
  if (timeout) {
    const name = TIMEOUT_NAMES.get(timeout);
    return (
      Boolean(name) && !nonRetryableTypes.includes(TIMEOUT_TYPE_PREFIX + name)
    );
  }
  if (failure.serverFailureInfo) return !failure.serverFailureInfo.nonRetryable;
  const application = failure.applicationFailureInfo;
  if (application)
    return (
      !application.nonRetryable &&
      !(
        application.type !== undefined &&
        nonRetryableTypes.includes(application.type)
      )
    );
  return true;
}

/**
 * After attempt `attempt` failed with `failure` at `now`: the delay before the next attempt, or
 * the retry state the activity closes with. `expiresAt` is the end of its schedule-to-close time.
 */
export function nextRetry(options: {
  policy: Policy | undefined;
  attempt: number;
  failure: Failure | undefined;
  now: number;
  expiresAt?: number;
  cancelRequested?: boolean;
}): { retryState: RetryState; delayMs?: number } {
  const { attempt, failure, now, expiresAt } = options;
  // Filled at scheduling already, but not in activities saved before that.
  const policy = withDefaults(options.policy);
  if (options.cancelRequested)
    return { retryState: 'RETRY_STATE_CANCEL_REQUESTED' };
  const timeout = failure?.timeoutFailureInfo?.timeoutType;
  // Deadlines of the activity as a whole, not of an attempt: nothing left to retry for.
  if (
    timeout === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START ||
    timeout === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE
  )
    return { retryState: 'RETRY_STATE_TIMEOUT' };
  if (!isRetryable(failure, policy.nonRetryableErrorTypes ?? []))
    return { retryState: 'RETRY_STATE_NON_RETRYABLE_FAILURE' };
  if (policy.maximumAttempts > 0 && attempt >= policy.maximumAttempts)
    return { retryState: 'RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED' };
  // A delay the activity asked for replaces the backoff.
  const delayMs =
    durationMs(failure?.applicationFailureInfo?.nextRetryDelay) ??
    Math.min(
      durationMs(policy.maximumInterval)!,
      durationMs(policy.initialInterval)! *
        policy.backoffCoefficient ** (attempt - 1),
    );
  if (expiresAt !== undefined && now + delayMs > expiresAt)
    return { retryState: 'RETRY_STATE_TIMEOUT' };
  return { retryState: 'RETRY_STATE_IN_PROGRESS', delayMs };
}
