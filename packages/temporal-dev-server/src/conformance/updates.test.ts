/*
 * Conformance: workflow updates, accepted (the answer to a start that waits for acceptance
 * comes before the handler finishes), rejected by a validator, waited on through
 * PollWorkflowExecutionUpdate, and deduplicated by update ID.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { useConformance } from '../__testUtils__/conformance';
import { EventType } from '../__testUtils__/history';

jest.setTimeout(60_000);

describe('workflow updates', () => {
  const t = useConformance('updates');

  const startResizable = (initial: number) =>
    t.client.workflow.start('resizable', {
      taskQueue: t.taskQueue,
      workflowId: t.id('resizable'),
      args: [initial],
    });

  it('runs an update handler and returns its result; the history records acceptance and completion', async () => {
    const handle = await startResizable(1);
    const result = await handle.executeUpdate<string, [number]>('resize', {
      args: [3],
    });
    expect(result).toBe('resized from 1 to 3');
    expect(await handle.query<number>('size')).toBe(3);
    await handle.signal('finish');
    expect(await handle.result()).toBe(3);

    const types = (await handle.fetchHistory()).events!.map(e => e.eventType);
    expect(types).toContain(
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    );
    expect(types).toContain(
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
    );
  });

  it('rejects an update its validator refuses, leaving no trace in the history', async () => {
    const handle = await startResizable(2);
    const error: any = await handle
      .executeUpdate('resize', { args: [-1] })
      .catch(e => e);
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(error.cause.message).toBe('size must be positive, got -1');
    expect(await handle.query<number>('size')).toBe(2);
    const types = (await handle.fetchHistory()).events!.map(e => e.eventType);
    expect(types).not.toContain(41);
    await handle.signal('finish');
    expect(await handle.result()).toBe(2);
  });

  it('starts an update and answers once it is accepted, while its handler still waits; the result comes later', async () => {
    const handle = await startResizable(1);
    // The handler waits for an `allow` signal, which the test sends only after this answer: an
    // answer held back until the update completed would never come.
    const update = await handle.startUpdate<string, [number]>(
      'resizeWhenAllowed',
      { args: [5], waitForStage: 'ACCEPTED' },
    );
    const before = (await handle.fetchHistory()).events!.map(e => e.eventType);
    expect(before).toContain(
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    );
    expect(before).not.toContain(
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
    );
    expect(await handle.query<number>('size')).toBe(1);

    await handle.signal('allow');
    expect(await update.result()).toBe('resized from 1 to 5 once allowed');
    // A handle to the same update, by ID, sees the same outcome.
    expect(await handle.getUpdateHandle<string>(update.updateId).result()).toBe(
      'resized from 1 to 5 once allowed',
    );
    const after = (await handle.fetchHistory()).events!.map(e => e.eventType);
    expect(after).toContain(
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
    );
    await handle.signal('finish');
    expect(await handle.result()).toBe(5);
  });

  it('applies an update sent twice with one update ID once', async () => {
    const handle = await startResizable(1);
    const [a, b] = await Promise.all([
      handle.executeUpdate('resize', { args: [7], updateId: 'resize-to-7' }),
      handle.executeUpdate('resize', { args: [7], updateId: 'resize-to-7' }),
    ]);
    expect(a).toBe(b);
    const accepted = (await handle.fetchHistory()).events!.filter(
      e =>
        e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    );
    expect(accepted).toHaveLength(1);
    await handle.signal('finish');
    await handle.result();
  });

  it('refuses an update to a workflow that has completed', async () => {
    const handle = await startResizable(1);
    await handle.signal('finish');
    await handle.result();
    await expect(handle.executeUpdate('resize', { args: [2] })).rejects.toThrow(
      /workflow execution already completed/,
    );
  });
});
