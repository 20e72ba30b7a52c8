/*
 * The dev server driven by the unmodified @temporalio/client: starting, describing and
 * terminating workflows, the workflow ID rules, history, and clear refusals of what it does not
 * implement yet.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { TerminatedFailure } from '@temporalio/common';
import { useDevServer } from './__testUtils__/devServer';

describe('temporal dev server with the Temporal client', () => {
  const dev = useDevServer();

  it('starts a workflow and describes it as running, with its input in the history', async () => {
    const handle = await dev.client.workflow.start('provisionDatabase', {
      taskQueue: 'resources',
      workflowId: 'orders-db',
      args: [{ size: 'small' }],
    });
    const description = await handle.describe();
    expect(description).toMatchObject({
      workflowId: 'orders-db',
      runId: handle.firstExecutionRunId,
      type: 'provisionDatabase',
      taskQueue: 'resources',
      status: { name: 'RUNNING' },
    });

    const history = await handle.fetchHistory();
    // Started, then the first workflow task waits for a worker.
    expect(history.events!.map(e => e.eventType)).toEqual([1, 5]);
    const started = history.events![0].workflowExecutionStartedEventAttributes!;
    expect(started.workflowType?.name).toBe('provisionDatabase');
    expect(Buffer.from(started.input!.payloads![0].data!).toString()).toBe(
      '{"size":"small"}',
    );
  });

  it('refuses a second start of a running workflow ID', async () => {
    await dev.client.workflow.start('provisionDatabase', {
      taskQueue: 'resources',
      workflowId: 'billing-db',
    });
    await expect(
      dev.client.workflow.start('provisionDatabase', {
        taskQueue: 'resources',
        workflowId: 'billing-db',
      }),
    ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
  });

  it('terminates a workflow: its result is a termination, its status TERMINATED', async () => {
    const handle = await dev.client.workflow.start('provisionDatabase', {
      taskQueue: 'resources',
      workflowId: 'doomed-db',
    });
    const result = handle.result();
    await handle.terminate('no longer needed');
    const error = await result.catch(e => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(error.cause).toBeInstanceOf(TerminatedFailure);
    expect((await handle.describe()).status.name).toBe('TERMINATED');

    // A closed workflow ID may be started again (the default reuse policy).
    const again = await dev.client.workflow.start('provisionDatabase', {
      taskQueue: 'resources',
      workflowId: 'doomed-db',
    });
    expect(again.firstExecutionRunId).not.toBe(handle.firstExecutionRunId);
  });

  it('says a workflow does not exist', async () => {
    await expect(
      dev.client.workflow.getHandle('never-started').describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('refuses what it does not implement, naming it, instead of pretending', async () => {
    const error = await dev.client.workflowService
      .resetWorkflowExecution({
        namespace: 'default',
        workflowExecution: { workflowId: 'orders-db' },
      })
      .catch(e => e);
    expect(error.code).toBe(12); // UNIMPLEMENTED
    expect(error.details).toBe(
      'ResetWorkflowExecution is not implemented by this Temporal dev server',
    );
  });

  it('answers bad requests with INVALID_ARGUMENT or NOT_FOUND and keeps serving', async () => {
    const noType = await dev.client.workflowService
      .startWorkflowExecution({
        namespace: 'default',
        workflowId: 'x',
        taskQueue: { name: 'q' },
        requestId: 'r',
      })
      .catch(e => e);
    expect(noType.code).toBe(3);
    expect(noType.details).toBe('WorkflowType is not set on request.');
    const noNamespace = await dev.client.workflowService
      .describeNamespace({ namespace: 'does-not-exist' })
      .catch(e => e);
    expect(noNamespace.code).toBe(5);
    expect(
      (await dev.client.workflowService.getSystemInfo({})).serverVersion,
    ).toContain('dev');
  });
});
