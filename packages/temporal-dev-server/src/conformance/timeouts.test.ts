/*
 * Conformance: activity timeouts (start-to-close and heartbeat retried, schedule-to-close and
 * schedule-to-start final), workflow run timeouts, and local activities recorded as markers.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, TimeoutFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { useConformance } from '../__testUtils__/conformance';
import { EventType, ofType } from '../__testUtils__/history';

const { TimeoutType } = temporal.api.enums.v1;

jest.setTimeout(60_000);

describe('timeouts', () => {
  const t = useConformance('timeouts');

  const execute = (type: string, options: object = {}) =>
    t.client.workflow.execute(type, {
      taskQueue: t.taskQueue,
      workflowId: t.id(type),
      ...options,
    });

  /**
   * Runs a workflow whose activity's first attempt misses a timeout: the result, the attempt that
   * finished, and the timeout that ended the attempt before it (from the history, which records
   * the last attempt's start with its predecessor's failure). The retry finishes at once, but on
   * a busy machine it may miss the timeout too and be retried again: what any retry shows is
   * checked, not that the second attempt made it.
   */
  async function retriedAfterTimeout(type: string) {
    const workflowId = t.id(type);
    const result = await execute(type, { workflowId });
    const { events } = await t.client.workflow
      .getHandle(workflowId)
      .fetchHistory();
    const [started] = ofType(
      events!,
      EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
    );
    const { attempt, lastFailure } =
      started.activityTaskStartedEventAttributes!;
    return {
      result,
      attempt: attempt!,
      timedOut: lastFailure?.timeoutFailureInfo?.timeoutType,
    };
  }

  it('retries an activity whose attempt outlives its start-to-close timeout', async () => {
    const { result, attempt, timedOut } = await retriedAfterTimeout(
      'timingOutOnce',
    );
    expect(attempt).toBeGreaterThanOrEqual(2);
    expect(result).toBe(`finished on attempt ${attempt}`);
    expect(timedOut).toBe(TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE);
  });

  it('retries an activity that stops heartbeating', async () => {
    const { result, attempt, timedOut } = await retriedAfterTimeout(
      'missingHeartbeats',
    );
    expect(attempt).toBeGreaterThanOrEqual(2);
    expect(result).toBe(`finished on attempt ${attempt}`);
    expect(timedOut).toBe(TimeoutType.TIMEOUT_TYPE_HEARTBEAT);
  });

  it('fails an activity for good when its schedule-to-close timeout passes', async () => {
    const error = await execute('outOfTime').catch(e => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(error.cause).toBeInstanceOf(ActivityFailure);
    expect(error.cause.cause).toBeInstanceOf(TimeoutFailure);
    expect(error.cause.cause.timeoutType).toBe('SCHEDULE_TO_CLOSE');
  });

  it('fails an activity for good when no worker picks it up within its schedule-to-start timeout', async () => {
    const error = await execute('unstartedActivity', {
      args: [t.queue('nobody-polls')],
    }).catch(e => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(error.cause).toBeInstanceOf(ActivityFailure);
    expect(error.cause.retryState).toBe('TIMEOUT');
    expect(error.cause.cause).toBeInstanceOf(TimeoutFailure);
    expect(error.cause.cause.timeoutType).toBe('SCHEDULE_TO_START');
  });

  it('times out a workflow run', async () => {
    const error = await execute('sleepingBeyondRunTimeout', {
      workflowRunTimeout: '1 second',
    }).catch(e => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(error.cause).toBeInstanceOf(TimeoutFailure);
  });

  it('records a local activity as a marker', async () => {
    const workflowId = t.id('local');
    expect(
      await t.client.workflow.execute('localGreeting', {
        taskQueue: t.taskQueue,
        workflowId,
        args: ['lou'],
      }),
    ).toBe('hello lou');
    const history = await t.client.workflow
      .getHandle(workflowId)
      .fetchHistory();
    const marker = history.events!.find(
      e => e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED,
    );
    expect(marker?.markerRecordedEventAttributes?.markerName).toBe(
      'core_local_activity',
    );
  });
});
