/*
 * Conformance: activity retries. Error types the retry policy names are not retried, nor errors
 * marked non-retryable themselves; attempts
 * wait out the policy's backoff; the activity fails for good when its attempts run out; an
 * activity without a policy gets Temporal's default one; heartbeat details of a failed or
 * timed-out attempt reach the next attempt.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { attemptStartTimes } from '../__testUtils__/activities';
import { useConformance } from '../__testUtils__/conformance';
import { EventType, ofType } from '../__testUtils__/history';

jest.setTimeout(60_000);

describe('activity retries', () => {
  const t = useConformance('activity-retries');

  const run = async (type: string, args: unknown[] = []) => {
    const workflowId = t.id(type);
    const result = await t.client.workflow
      .execute(type, { taskQueue: t.taskQueue, workflowId, args })
      .catch(e => e);
    const events = (
      await t.client.workflow.getHandle(workflowId).fetchHistory()
    ).events!;
    return { workflowId, result, events };
  };

  /** The attempt of the activity's last start (the only attempt history records). */
  const lastAttempt = (events: Awaited<ReturnType<typeof run>>['events']) =>
    ofType(events, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)[0]
      ?.activityTaskStartedEventAttributes?.attempt;

  it('does not retry an error whose type the retry policy names non-retryable', async () => {
    // The policy allows 5 attempts; the error itself is not marked non-retryable.
    const { result, events } = await run('refused');
    expect(result).toBeInstanceOf(WorkflowFailedError);
    expect(result.cause).toBeInstanceOf(ActivityFailure);
    expect(result.cause.retryState).toBe('NON_RETRYABLE_FAILURE');
    expect(result.cause.cause).toBeInstanceOf(ApplicationFailure);
    expect(result.cause.cause.type).toBe('Refused');
    expect(result.cause.cause.message).toBe('the cluster refused the request');
    expect(result.cause.cause.nonRetryable).toBe(false);
    expect(lastAttempt(events)).toBe(1);
  });

  it('does not retry an ApplicationFailure marked nonRetryable, though the policy allows more attempts', async () => {
    // The policy allows 5 attempts and does not name the error's type.
    const { result, events } = await run('refusedForGood');
    expect(result).toBeInstanceOf(WorkflowFailedError);
    expect(result.cause).toBeInstanceOf(ActivityFailure);
    expect(result.cause.retryState).toBe('NON_RETRYABLE_FAILURE');
    expect(result.cause.cause).toBeInstanceOf(ApplicationFailure);
    expect(result.cause.cause).toMatchObject({
      type: 'Gone',
      message: 'the cluster is gone for good',
      nonRetryable: true,
    });
    expect(lastAttempt(events)).toBe(1);
  });

  it("waits at least the retry policy's backoff between attempts", async () => {
    // Initial interval 200 ms, backoff coefficient 2.
    const { workflowId, result } = await run('retryingWithBackoff', [2]);
    expect(result).toBe('succeeded on attempt 3');
    const starts = attemptStartTimes(workflowId);
    expect(starts).toHaveLength(3);
    // Each attempt failed after it started: the backoff runs from a moment later than these.
    expect(starts[1] - starts[0]).toBeGreaterThanOrEqual(200);
    expect(starts[2] - starts[1]).toBeGreaterThanOrEqual(400);
  });

  it('fails the activity for good once maximumAttempts attempts failed', async () => {
    const { result, events } = await run('exhaustingAttempts');
    expect(result).toBeInstanceOf(WorkflowFailedError);
    expect(result.cause).toBeInstanceOf(ActivityFailure);
    expect(result.cause.retryState).toBe('MAXIMUM_ATTEMPTS_REACHED');
    expect(result.cause.cause.message).toBe('attempt 3 failed');
    expect(lastAttempt(events)).toBe(3);
  });

  it("retries an activity without a retry policy by Temporal's default policy", async () => {
    const { result, events } = await run('retryingByDefault');
    expect(result).toBe('succeeded on attempt 2');
    const [scheduled] = ofType(
      events,
      EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    );
    const policy =
      scheduled.activityTaskScheduledEventAttributes?.retryPolicy ?? {};
    expect(Number(policy.initialInterval?.seconds)).toBe(1);
    expect(policy.backoffCoefficient).toBe(2);
    expect(Number(policy.maximumInterval?.seconds)).toBe(100);
    expect(policy.maximumAttempts ?? 0).toBe(0);
  });

  it('hands the heartbeat details of a failed attempt to the next attempt', async () => {
    const { result } = await run('resumingAfterFailure');
    expect(result).toEqual({ attempt: 2, resumed: { processed: 42 } });
  });

  it('hands the heartbeat details of an attempt whose heartbeat timed out to the next attempt', async () => {
    const { result } = await run('resumingAfterSilence');
    // The retry, which finishes at once, may miss the timeout too on a busy machine: the details
    // reach whichever attempt finishes.
    expect(result).toEqual({
      attempt: expect.any(Number),
      resumed: { processed: 7 },
    });
    expect(result.attempt).toBeGreaterThanOrEqual(2);
  });
});
