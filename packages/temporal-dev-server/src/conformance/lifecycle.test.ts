/*
 * Conformance: cancellation (of workflows and, through heartbeats, of activities),
 * continue-as-new, child workflows with their parent close policies, external signals, and the
 * workflow ID conflict and reuse policies (TERMINATE_IF_RUNNING among them).
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
} from '@temporalio/client';
import {
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  type WorkflowIdReusePolicy,
} from '@temporalio/common';
import { useConformance } from '../__testUtils__/conformance';
import { EventType, waitFor } from '../__testUtils__/history';

jest.setTimeout(60_000);

describe('workflow lifecycle', () => {
  const t = useConformance('lifecycle');

  const start = (type: string, args: unknown[] = [], workflowId = t.id(type)) =>
    t.client.workflow.start(type, { taskQueue: t.taskQueue, workflowId, args });

  it('cancels a workflow on request: it ends CANCELED and its result is a cancellation', async () => {
    const handle = await start('cancellable');
    await handle.cancel();
    const error = await handle.result().catch(e => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(error.cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
  });

  it('delivers an activity cancellation through its heartbeats', async () => {
    const handle = await start('cancellingActivity');
    // Wait until the activity runs and has heartbeated.
    await waitFor('a heartbeat of the running activity', async () => {
      const { raw } = await handle.describe();
      return Boolean(raw.pendingActivities?.[0]?.lastHeartbeatTime);
    });
    await handle.cancel();
    expect(await handle.result()).toBe('activity cancelled, cleaned up');
    const events = (await handle.fetchHistory()).events!;
    const canceled = events.find(
      e => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
    );
    // The worker confirmed the cancellation of a started attempt.
    expect(
      Number(canceled?.activityTaskCanceledEventAttributes?.startedEventId),
    ).toBeGreaterThan(0);
  });

  it('continues as new, carrying state, and the result follows the runs', async () => {
    const handle = await start('countingOn', [0, 10, 3]);
    expect(await handle.result()).toEqual({ total: 10, runs: 4 });
    const first = await t.client.workflow
      .getHandle(handle.workflowId, handle.firstExecutionRunId)
      .describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');
    const latest = await t.client.workflow
      .getHandle(handle.workflowId)
      .describe();
    expect(latest.runId).not.toBe(handle.firstExecutionRunId);
    expect(latest.status.name).toBe('COMPLETED');
  });

  it('runs a child workflow and returns its result', async () => {
    expect(await (await start('parentOf', ['ann'])).result()).toBe(
      'child says hello ann',
    );
  });

  it("reports a child's failure to its parent", async () => {
    const error = await (await start('parentOfFailing')).result().catch(e => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(error.cause).toBeInstanceOf(ChildWorkflowFailure);
    expect(error.cause.cause).toBeInstanceOf(ApplicationFailure);
    expect(error.cause.cause.type).toBe('QuotaExceeded');
  });

  it.each([
    ['TERMINATE', 'TERMINATED'],
    ['REQUEST_CANCEL', 'CANCELLED'],
  ])(
    'applies parent close policy %s to a running child',
    async (policy, childStatus) => {
      const childId = t.id('child');
      await (await start('leavingChild', [childId, policy])).result();
      const child = t.client.workflow.getHandle(childId);
      // Terminated at once, or cancelled once it handles the cancellation request.
      await child.result().catch(() => undefined);
      expect((await child.describe()).status.name).toBe(childStatus);
    },
  );

  it('leaves a child alone under parent close policy ABANDON', async () => {
    const childId = t.id('child');
    await (await start('leavingChild', [childId, 'ABANDON'])).result();
    const child = t.client.workflow.getHandle(childId);
    // The abandoned child still waits for its approval, and gets it.
    await child.signal('approve', 'after the parent');
    expect(await child.result()).toBe('approved by after the parent');
  });

  it('cancels a child workflow from its parent', async () => {
    const childId = t.id('cancelled-child');
    expect(await (await start('cancellingChild', [childId])).result()).toBe(
      'child cancelled',
    );
    expect(
      (await t.client.workflow.getHandle(childId).describe()).status.name,
    ).toBe('CANCELLED');
  });

  it('signals another workflow', async () => {
    const target = await start('awaitingApproval');
    await (await start('approver', [target.workflowId, 'olga'])).result();
    expect(await target.result()).toBe('approved by olga');
  });

  it('applies workflow ID conflict policies', async () => {
    const workflowId = t.id('conflict');
    const first = await start('awaitingApproval', [], workflowId);
    const existing = await t.client.workflow.start('awaitingApproval', {
      taskQueue: t.taskQueue,
      workflowId,
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    expect(existing.firstExecutionRunId).toBe(first.firstExecutionRunId);
    await expect(
      t.client.workflow.start('awaitingApproval', {
        taskQueue: t.taskQueue,
        workflowId,
        workflowIdConflictPolicy: 'FAIL',
      }),
    ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    const replacement = await t.client.workflow.start('awaitingApproval', {
      taskQueue: t.taskQueue,
      workflowId,
      workflowIdConflictPolicy: 'TERMINATE_EXISTING',
    });
    const firstRun = t.client.workflow.getHandle(
      workflowId,
      first.firstExecutionRunId,
    );
    expect((await firstRun.describe()).status.name).toBe('TERMINATED');
    await replacement.signal('approve', 'quinn');
    expect(await replacement.result()).toBe('approved by quinn');
  });

  it('terminates the running run under reuse policy TERMINATE_IF_RUNNING, and starts a closed ID again under it', async () => {
    const workflowId = t.id('terminate-if-running');
    const startReplacing = () =>
      t.client.workflow.start('awaitingApproval', {
        taskQueue: t.taskQueue,
        workflowId,
        workflowIdReusePolicy: 'TERMINATE_IF_RUNNING',
      });
    const first = await start('awaitingApproval', [], workflowId);
    const second = await startReplacing();
    expect(second.firstExecutionRunId).not.toBe(first.firstExecutionRunId);
    const firstRun = t.client.workflow.getHandle(
      workflowId,
      first.firstExecutionRunId,
    );
    expect((await firstRun.describe()).status.name).toBe('TERMINATED');
    await second.signal('approve', 'rita');
    expect(await second.result()).toBe('approved by rita');

    // Nothing runs: a new run starts, and the closed one stays as it ended.
    const third = await startReplacing();
    expect(third.firstExecutionRunId).not.toBe(second.firstExecutionRunId);
    const secondRun = t.client.workflow.getHandle(
      workflowId,
      second.firstExecutionRunId,
    );
    expect((await secondRun.describe()).status.name).toBe('COMPLETED');
    await third.signal('approve', 'sam');
    expect(await third.result()).toBe('approved by sam');
  });

  it('applies workflow ID reuse policies once a run has closed', async () => {
    const again = (
      type: string,
      workflowId: string,
      workflowIdReusePolicy?: WorkflowIdReusePolicy,
    ) =>
      t.client.workflow.start(type, {
        taskQueue: t.taskQueue,
        workflowId,
        args: ['again'],
        workflowIdReusePolicy,
      });

    const completedId = t.id('reuse-completed');
    await (await start('greeting', ['first'], completedId)).result();
    await expect(
      again('greeting', completedId, 'REJECT_DUPLICATE'),
    ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    await expect(
      again('greeting', completedId, 'ALLOW_DUPLICATE_FAILED_ONLY'),
    ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    // The default, ALLOW_DUPLICATE, starts a new run.
    expect(await (await again('greeting', completedId)).result()).toBe(
      'hello again',
    );

    const failedId = t.id('reuse-failed');
    const failed = await start('failing', [], failedId);
    await expect(failed.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    await expect(
      again('failing', failedId, 'REJECT_DUPLICATE'),
    ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    const retried = await again(
      'failing',
      failedId,
      'ALLOW_DUPLICATE_FAILED_ONLY',
    );
    expect(retried.firstExecutionRunId).not.toBe(failed.firstExecutionRunId);
    await expect(retried.result()).rejects.toBeInstanceOf(WorkflowFailedError);
  });
});
