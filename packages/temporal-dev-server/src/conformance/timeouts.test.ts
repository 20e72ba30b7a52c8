/*
 * Conformance: activity timeouts (start-to-close and heartbeat retried, schedule-to-close and
 * schedule-to-start final), workflow run timeouts, and local activities recorded as markers.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, TimeoutFailure } from '@temporalio/common';
import { useConformance } from '../__testUtils__/conformance';
import { EventType } from '../__testUtils__/history';

jest.setTimeout(60_000);

describe('timeouts', () => {
  const t = useConformance('timeouts');

  const execute = (type: string, options: object = {}) =>
    t.client.workflow.execute(type, {
      taskQueue: t.taskQueue,
      workflowId: t.id(type),
      ...options,
    });

  it('retries an activity whose attempt outlives its start-to-close timeout', async () => {
    expect(await execute('timingOutOnce')).toBe('finished on attempt 2');
  });

  it('retries an activity that stops heartbeating', async () => {
    expect(await execute('missingHeartbeats')).toBe('finished on attempt 2');
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
