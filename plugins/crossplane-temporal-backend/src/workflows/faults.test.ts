/*
 * Faults: with 30% of cluster API calls answered 500, 503 or 429 and watch streams dropping,
 * every workflow still completes, and no activity is attempted more often than its retry policy
 * allows.
 */
import type { ResourceStatus } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { WorkflowHandle } from '@temporalio/client';
import {
  refFor,
  useResourceWorkflows,
} from '../__testUtils__/resourceWorkflowHarness';

jest.setTimeout(300_000);

const WORKFLOWS = 6;
// The cluster activities' retry policy in resourceWorkflow.ts.
const MAXIMUM_ATTEMPTS = 8;

describe('cluster faults', () => {
  const h = useResourceWorkflows();

  /** Activity attempts per activity (scheduled event ID), from the workflow's history. */
  async function attemptsOf(handle: WorkflowHandle) {
    const events = (await handle.fetchHistory()).events ?? [];
    const attempts: Record<string, number> = {};
    for (const event of events) {
      const started = event.activityTaskStartedEventAttributes;
      if (started)
        attempts[String(started.scheduledEventId)] = started.attempt ?? 1;
    }
    return Object.values(attempts);
  }

  it('completes every workflow despite errors and dropped watches, within the retry policy', async () => {
    await h.sim.admin.setFaults({
      errorRate: 0.3,
      errorCodes: [500, 503, 429],
    });
    const dropping = setInterval(() => void h.sim.admin.dropWatches(), 700);
    try {
      const handles = await Promise.all(
        Array.from({ length: WORKFLOWS }, (_, i) =>
          // A dropped watch can miss events: the workflow's fallback read finds what it missed.
          h.provision(refFor(`faulty-${i}`), {
            workflowOptions: { fallbackPollSeconds: 5 },
          }),
        ),
      );
      const statuses = await Promise.all(
        handles.map(handle =>
          h.statusWhen(
            handle,
            s => s.phase === 'Ready' || s.phase === 'Failed',
            180_000,
          ),
        ),
      );
      // The phase, and why when it is not Ready.
      expect(
        statuses.map((s: ResourceStatus) =>
          s.phase === 'Ready' ? s.phase : `${s.phase}: ${s.lastError}`,
        ),
      ).toEqual(Array(WORKFLOWS).fill('Ready'));
      const { injected } = await h.sim.admin.faults();
      expect(injected).toBeGreaterThan(0);

      const attempts = (await Promise.all(handles.map(attemptsOf))).flat();
      // No activity was attempted more often than its policy allows (the cluster client absorbs
      // most faults with a few quick retries of its own).
      expect(Math.max(...attempts)).toBeLessThanOrEqual(MAXIMUM_ATTEMPTS);
    } finally {
      clearInterval(dropping);
      await h.sim.admin.setFaults({});
    }
  });
});
