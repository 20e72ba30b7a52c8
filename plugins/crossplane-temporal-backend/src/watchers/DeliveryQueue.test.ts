/*
 * The delivery queue between watchers and workflows, with a delivery function the test answers
 * by hand: bounded concurrency, newest event per object, one per object at a time, watch news
 * before list news, retries with backoff, giving up, and stopping.
 */
import { mockServices } from '@backstage/backend-test-utils';
import type { ObservedObjectEvent } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { DeliveryQueue, type DeliveryQueueOptions } from './DeliveryQueue';

interface Call {
  workflowId: string;
  resourceVersion: string;
  succeed(): void;
  fail(error: Error): void;
}

const eventAt = (
  name: string,
  resourceVersion: string,
): ObservedObjectEvent => ({
  role: 'resource',
  type: 'MODIFIED',
  apiVersion: 'database.example.org/v1alpha1',
  kind: 'PostgreSQLInstance',
  namespace: 'team-alpha',
  name,
  uid: `uid-${name}`,
  resourceVersion,
  conditions: [],
  observedAt: '2026-11-25T00:00:00Z',
});

/** Lets promise callbacks (a settled delivery, the queue's next pick) run. */
const settle = () => new Promise(resolve => setImmediate(resolve));

function setUp(options: Partial<DeliveryQueueOptions> = {}) {
  const calls: Call[] = [];
  const logger = mockServices.logger.mock();
  const queue = new DeliveryQueue({
    logger,
    retryBackoff: { initialMs: 1, maxMs: 1 },
    ...options,
    deliver: (workflowId, event) =>
      new Promise<void>((resolve, reject) => {
        calls.push({
          workflowId,
          resourceVersion: event.resourceVersion,
          succeed: resolve,
          fail: reject,
        });
      }),
  });
  /** Queues the event at `resourceVersion` about object `name`. */
  const push = (name: string, resourceVersion: string, fromList = false) =>
    queue.push({
      key: name,
      workflowId: `wf-${name}`,
      event: eventAt(name, resourceVersion),
      fromList,
    });
  const sent = () => calls.map(c => `${c.workflowId}@${c.resourceVersion}`);
  /** Settles until the delivery function has been called `n` times in all. */
  const callsReach = async (n: number) => {
    while (calls.length < n) await settle();
  };
  /** Stops the queue, letting the deliveries still in flight succeed. */
  const finish = async () => {
    const stopping = queue.stop();
    for (const call of calls) call.succeed();
    await stopping;
  };
  return { queue, calls, logger, push, sent, callsReach, finish };
}

describe('DeliveryQueue', () => {
  it('has at most `concurrency` deliveries in flight and sends only the newest event per object', async () => {
    const { queue, calls, push, sent, finish } = setUp({ concurrency: 2 });
    push('a', '1');
    push('b', '2');
    push('c', '3');
    push('c', '4');
    expect(sent()).toEqual(['wf-a@1', 'wf-b@2']);
    expect(queue.waiting).toBe(1);

    calls[0].succeed();
    await settle();
    expect(sent()).toEqual(['wf-a@1', 'wf-b@2', 'wf-c@4']);
    expect(queue.waiting).toBe(0);
    await finish();
  });

  it('delivers one event per object at a time, in order', async () => {
    const { queue, calls, push, sent, finish } = setUp({ concurrency: 4 });
    push('a', '1');
    push('a', '2');
    push('b', '3');
    // A slot is free, but a's second event waits for its first.
    expect(sent()).toEqual(['wf-a@1', 'wf-b@3']);
    expect(queue.waiting).toBe(1);

    calls[0].succeed();
    await settle();
    expect(sent()).toEqual(['wf-a@1', 'wf-b@3', 'wf-a@2']);
    await finish();
  });

  it('sends what watches report before what a list found', async () => {
    const { calls, push, sent, finish } = setUp({ concurrency: 1 });
    push('busy', '1');
    push('listed', '2', true);
    push('watched', '3');
    calls[0].succeed();
    await settle();
    calls[1].succeed();
    await settle();
    expect(sent()).toEqual(['wf-busy@1', 'wf-watched@3', 'wf-listed@2']);
    await finish();
  });

  it('retries a failed delivery with backoff until it goes through', async () => {
    const { calls, logger, push, sent, callsReach, finish } = setUp({
      retryBackoff: { initialMs: 1, maxMs: 1_000 },
    });
    push('a', '1');
    calls[0].fail(new Error('14 UNAVAILABLE'));
    await callsReach(2);
    calls[1].fail(new Error('14 UNAVAILABLE'));
    await callsReach(3);
    calls[2].succeed();
    await settle();

    expect(sent()).toEqual(['wf-a@1', 'wf-a@1', 'wf-a@1']);
    expect(logger.warn).toHaveBeenCalledTimes(2);
    // The pause doubles after each failure.
    expect(
      logger.warn.mock.calls.map(([, fields]) => (fields as any)?.retryInMs),
    ).toEqual([1, 2]);
    expect(logger.warn).toHaveBeenLastCalledWith(
      'could not deliver a watch event to its workflow; retrying',
      expect.objectContaining({
        workflowId: 'wf-a',
        attempt: 2,
        error: 'Error: 14 UNAVAILABLE',
      }),
    );
    await finish();
  });

  it('stops retrying an event once a newer one for the object waits', async () => {
    const { calls, push, sent, callsReach, finish } = setUp();
    push('a', '1');
    push('a', '2');
    calls[0].fail(new Error('14 UNAVAILABLE'));
    await callsReach(2);
    expect(sent()).toEqual(['wf-a@1', 'wf-a@2']);
    await finish();
  });

  it('gives up after its attempts, and says that the next read will see the change', async () => {
    const { calls, logger, push, callsReach, finish } = setUp({
      maxAttempts: 3,
    });
    push('a', '1');
    for (let n = 1; n <= 3; n++) {
      await callsReach(n);
      calls[n - 1].fail(new Error('13 INTERNAL'));
    }
    await settle();
    await settle();
    expect(calls).toHaveLength(3);
    expect(logger.warn).toHaveBeenLastCalledWith(
      'gave up delivering a watch event to its workflow; its next read of the cluster will see the change',
      expect.objectContaining({ workflowId: 'wf-a', attempt: 3 }),
    );
    await finish();
  });

  it('on stop, drops what waits and ends retries without waiting out their backoff', async () => {
    const { queue, calls, push, sent } = setUp({
      concurrency: 1,
      retryBackoff: { initialMs: 3_600_000, maxMs: 3_600_000 },
    });
    push('a', '1');
    push('b', '2');
    calls[0].fail(new Error('14 UNAVAILABLE'));
    await settle();
    await queue.stop();
    push('c', '3');
    expect(sent()).toEqual(['wf-a@1']);
    expect(queue.waiting).toBe(0);
  });
});
