/*
 * Conformance: the basics. With a worker: a workflow that calls an activity, a timer, signals,
 * signal-with-start with queries, an activity retried by its policy, a workflow's failure
 * reported with its type. With the client alone (on a task queue nobody polls): a started
 * workflow described with its input in its history, a second start refused with the running
 * run's ID in the failure details, termination and a new start of the closed ID, and a workflow
 * that does not exist.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { TerminatedFailure } from '@temporalio/common';
import { google, temporal } from '@temporalio/proto';
import { randomUUID } from 'node:crypto';
import { useConformance } from '../__testUtils__/conformance';
import { EventType, eventMs, ofType } from '../__testUtils__/history';

jest.setTimeout(60_000);

const ALREADY_EXISTS = 6;

describe('the basics', () => {
  const t = useConformance('basics');

  describe('with a worker', () => {
    it('runs a workflow that calls an activity', async () => {
      const result = await t.client.workflow.execute('greeting', {
        taskQueue: t.taskQueue,
        workflowId: t.id('greeting'),
        args: ['bob'],
      });
      expect(result).toBe('hello bob');
    });

    it('fires a timer no earlier than it was set for', async () => {
      const handle = await t.client.workflow.start('napping', {
        taskQueue: t.taskQueue,
        workflowId: t.id('napping'),
        args: [50],
      });
      expect(await handle.result()).toBe('rested');
      const events = (await handle.fetchHistory()).events!;
      const [started] = ofType(events, EventType.EVENT_TYPE_TIMER_STARTED);
      const [fired] = ofType(events, EventType.EVENT_TYPE_TIMER_FIRED);
      const { seconds, nanos } =
        started.timerStartedEventAttributes?.startToFireTimeout ?? {};
      expect(Number(seconds ?? 0) * 1000 + (nanos ?? 0) / 1e6).toBe(50);
      expect(fired.timerFiredEventAttributes?.startedEventId?.toString()).toBe(
        started.eventId?.toString(),
      );
      expect(eventMs(fired) - eventMs(started)).toBeGreaterThanOrEqual(50);
    });

    it('delivers signals', async () => {
      const handle = await t.client.workflow.start('awaitingApproval', {
        taskQueue: t.taskQueue,
        workflowId: t.id('approval'),
      });
      await handle.signal('approve', 'pat');
      expect(await handle.result()).toBe('approved by pat');
    });

    it('signal-with-start starts once and signals, answers queries, and cancels a timer that is no longer needed', async () => {
      const workflowId = t.id('counting');
      const start = () =>
        t.client.workflow.signalWithStart('counting', {
          taskQueue: t.taskQueue,
          workflowId,
          args: [3],
          signal: 'increment',
          signalArgs: [1],
        });
      const first = await start();
      const second = await start();
      expect(second.signaledRunId).toBe(first.signaledRunId);
      // The query waits for the workflow to have seen both signals.
      expect(await first.query<number>('count')).toBe(2);
      await first.signal('increment', 1);
      expect(await first.result()).toBe(3);
      const events = (await first.fetchHistory()).events!;
      expect(
        ofType(events, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
      ).toHaveLength(1);
      expect(
        ofType(events, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
      ).toHaveLength(3);
      expect(ofType(events, EventType.EVENT_TYPE_TIMER_CANCELED)).toHaveLength(
        1,
      );
    });

    it('retries a failing activity by its policy', async () => {
      const result = await t.client.workflow.execute('retrying', {
        taskQueue: t.taskQueue,
        workflowId: t.id('retrying'),
        args: [2],
      });
      expect(result).toBe('succeeded on attempt 3');
    });

    it("reports a workflow's failure with its type and message", async () => {
      const workflowId = t.id('failing');
      const error = await t.client.workflow
        .execute('failing', { taskQueue: t.taskQueue, workflowId })
        .catch(e => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect(error.cause).toMatchObject({
        type: 'QuotaExceeded',
        message: 'no more databases in this region',
        nonRetryable: true,
      });
      expect(
        (await t.client.workflow.getHandle(workflowId).describe()).status.name,
      ).toBe('FAILED');
    });
  });

  describe('with the client alone', () => {
    const nobodyPolls = () => t.queue('nobody-polls');

    it('starts a workflow and describes it as running, with its input in the history', async () => {
      const taskQueue = nobodyPolls();
      const workflowId = t.id('orders-db');
      const handle = await t.client.workflow.start('provisionDatabase', {
        taskQueue,
        workflowId,
        args: [{ size: 'small' }],
      });
      const description = await handle.describe();
      expect(description).toMatchObject({
        workflowId,
        runId: handle.firstExecutionRunId,
        type: 'provisionDatabase',
        taskQueue,
        status: { name: 'RUNNING' },
      });

      const history = await handle.fetchHistory();
      // Started, then the first workflow task waits for a worker.
      expect(history.events!.map(e => e.eventType)).toEqual([
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      ]);
      const started =
        history.events![0].workflowExecutionStartedEventAttributes!;
      expect(started.workflowType?.name).toBe('provisionDatabase');
      expect(Buffer.from(started.input!.payloads![0].data!).toString()).toBe(
        '{"size":"small"}',
      );
      await handle.terminate('done looking');
    });

    it("refuses a second start of a running workflow ID, naming the running run and its request in the failure's details", async () => {
      const taskQueue = nobodyPolls();
      const workflowId = t.id('billing-db');
      const first = await t.client.workflow.start('provisionDatabase', {
        taskQueue,
        workflowId,
      });
      await expect(
        t.client.workflow.start('provisionDatabase', { taskQueue, workflowId }),
      ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);

      // The details the client's error leaves out, read from the gRPC status.
      const start = (requestId: string) =>
        t.client.workflowService.startWorkflowExecution({
          namespace: 'default',
          workflowId,
          workflowType: { name: 'provisionDatabase' },
          taskQueue: { name: taskQueue },
          requestId,
        });
      const requestId = randomUUID();
      const error = await start(requestId).catch(e => e);
      expect(error.code).toBe(ALREADY_EXISTS);
      const details = google.rpc.Status.decode(
        error.metadata.get('grpc-status-details-bin')[0],
      ).details;
      expect(details.map(d => d.type_url)).toEqual([
        'type.googleapis.com/temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure',
      ]);
      const failure =
        temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure.decode(
          details[0].value!,
        );
      expect(failure.runId).toBe(first.firstExecutionRunId);
      // The request that started the running run, not the refused one.
      expect(failure.startRequestId).toBeTruthy();
      expect(failure.startRequestId).not.toBe(requestId);
      await first.terminate('done looking');
    });

    it('terminates a workflow: its result is a termination, its status TERMINATED; the closed ID may start again', async () => {
      const taskQueue = nobodyPolls();
      const workflowId = t.id('doomed-db');
      const handle = await t.client.workflow.start('provisionDatabase', {
        taskQueue,
        workflowId,
      });
      const result = handle.result();
      await handle.terminate('no longer needed');
      const error = await result.catch(e => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect(error.cause).toBeInstanceOf(TerminatedFailure);
      expect((await handle.describe()).status.name).toBe('TERMINATED');

      // A closed workflow ID may be started again (the default reuse policy).
      const again = await t.client.workflow.start('provisionDatabase', {
        taskQueue,
        workflowId,
      });
      expect(again.firstExecutionRunId).not.toBe(handle.firstExecutionRunId);
      await again.terminate('done looking');
    });

    it('says a workflow does not exist', async () => {
      await expect(
        t.client.workflow.getHandle(t.id('never-started')).describe(),
      ).rejects.toBeInstanceOf(WorkflowNotFoundError);
    });
  });
});
