/*
 * Conformance: queries answered from history. A worker that does not keep a workflow cached
 * (evicted, restarted, or with its cache turned off) replays the history a query task carries
 * before answering, so the answer must reflect every completed workflow task.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import * as activities from '../__testUtils__/activities';
import { gate } from '../__testUtils__/activities';
import { useConformance } from '../__testUtils__/conformance';
import { waitFor } from '../__testUtils__/history';

jest.setTimeout(60_000);

describe('queries', () => {
  const t = useConformance('queries');

  it('answers a query about a workflow no worker has cached from its whole history', async () => {
    const taskQueue = `uncached-${randomUUID().slice(0, 8)}`;
    const connection = await NativeConnection.connect({ address: t.address });
    // No cache: every workflow task and every query is a replay of the history.
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: require.resolve('../__testUtils__/workflows'),
      activities,
      maxCachedWorkflows: 0,
    });
    let running: Promise<void> | undefined;
    try {
      const handle = await t.client.workflow.start('stepping', {
        taskQueue,
        workflowId: t.id('stepping'),
        args: [4],
      });
      // Signals that arrive before the first workflow task starts come in the same task.
      for (const text of ['a', 'b', 'c']) await handle.signal('note', text);
      running = worker.run();
      // The fourth activity's completion is in history once its workflow task completed.
      const history = async () => (await handle.fetchHistory()).events ?? [];
      const completedActivities = async () =>
        (await history()).filter(e => e.activityTaskCompletedEventAttributes)
          .length;
      const lastTaskCompleted = async () => {
        const events = await history();
        return events[events.length - 1]?.workflowTaskCompletedEventAttributes;
      };
      await waitFor(
        'the task after the fourth activity to complete',
        async () =>
          (await completedActivities()) === 4 && !!(await lastTaskCompleted()),
      );

      expect(await handle.query<string[]>('steps')).toEqual([
        'a',
        'b',
        'c',
        'hello step 0',
        'hello step 1',
        'hello step 2',
        'hello step 3',
      ]);
      await handle.signal('finish');
      expect(await handle.result()).toHaveLength(7);
    } finally {
      if (running) {
        worker.shutdown();
        await running;
      }
      await connection.close();
    }
  });

  it('answers a query while a local activity keeps its workflow task running, in the task the worker starts to keep it alive', async () => {
    const workflowId = t.id('queried-during-task');
    const atGate = gate(workflowId);
    const handle = await t.client.workflow.start('queriedDuringTask', {
      taskQueue: t.taskQueue,
      workflowId,
      // The worker completes its task and takes a new one every 80% of this while its local
      // activity runs; the query rides one of those.
      workflowTaskTimeout: '2 seconds',
    });
    await atGate.arrived;
    try {
      // The local activity waits until the query is answered: answered from a task that ended
      // only with it, the query would wait its whole deadline.
      expect(await handle.query<string>('progress')).toBe(
        'waiting for the test',
      );
    } finally {
      atGate.open();
    }
    expect(await handle.result()).toBe('let through');
  });
});
