/*
 * Faults: with 30% of cluster API calls answered 500, 503 or 429 and watch streams dropping,
 * every workflow still provisions, updates and deprovisions, every activity runs under an
 * explicit, bounded retry policy, and none is attempted more often than that policy allows.
 */
import type { ResourceStatus } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { WorkflowHandle } from '@temporalio/client';
import {
  localActivitiesIn,
  readyWithParameters,
  refFor,
  useResourceWorkflows,
} from '../__testUtils__/resourceWorkflowHarness';

jest.setTimeout(300_000);

const WORKFLOWS = 6;
// The most attempts any activity of the resource workflow may have (resourceWorkflow.ts).
const MOST_ATTEMPTS_ALLOWED = 8;

describe('cluster faults', () => {
  const h = useResourceWorkflows();

  /**
   * Each activity's retry policy and the attempts it took, from the workflow's history. A local
   * activity's marker has the attempt that ended it, not the policy (that stays in the workflow).
   */
  async function activitiesOf(handle: WorkflowHandle) {
    const events = (await handle.fetchHistory()).events ?? [];
    const activities = new Map<
      string,
      {
        type: string;
        local: false;
        maximumAttempts: number;
        initialIntervalMs: number;
        attempts: number;
      }
    >();
    for (const event of events) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) {
        const policy = scheduled.retryPolicy!;
        const interval = policy.initialInterval;
        activities.set(String(event.eventId), {
          type: scheduled.activityType!.name!,
          local: false,
          maximumAttempts: policy.maximumAttempts ?? 0,
          initialIntervalMs:
            Number(interval?.seconds ?? 0) * 1000 +
            (interval?.nanos ?? 0) / 1e6,
          attempts: 0,
        });
      }
      const started = event.activityTaskStartedEventAttributes;
      if (started)
        activities.get(String(started.scheduledEventId))!.attempts =
          started.attempt ?? 1;
    }
    return [
      ...activities.values(),
      ...localActivitiesIn(events).map(({ type, attempt }) => ({
        type,
        local: true as const,
        attempts: attempt,
      })),
    ];
  }

  /** Waits until every workflow's status satisfies `done`; their statuses, phase first. */
  const settled = (
    handles: WorkflowHandle[],
    done: (s: ResourceStatus) => boolean,
  ) =>
    Promise.all(
      handles.map(handle =>
        h.statusWhen(handle, s => done(s) || s.phase === 'Failed', 180_000),
      ),
    );

  /** The phase, and why when it is not the one expected. */
  const outcomes = (statuses: ResourceStatus[], expected: string) =>
    statuses.map(s =>
      s.phase === expected ? s.phase : `${s.phase}: ${s.lastError}`,
    );

  it('provisions, updates and deprovisions every workflow despite errors and dropped watches, within bounded retry policies', async () => {
    await h.sim.admin.setFaults({
      errorRate: 0.3,
      errorCodes: [500, 503, 429],
    });
    const dropping = setInterval(() => void h.sim.admin.dropWatches(), 700);
    try {
      const refs = Array.from({ length: WORKFLOWS }, (_, i) =>
        refFor(`faulty-${i}`),
      );
      const handles = await Promise.all(
        refs.map(ref =>
          // A dropped watch can miss events: the workflow's fallback read finds what it missed.
          h.provision(ref, { workflowOptions: { fallbackPollSeconds: 5 } }),
        ),
      );
      expect(
        outcomes(await settled(handles, s => s.phase === 'Ready'), 'Ready'),
      ).toEqual(Array(WORKFLOWS).fill('Ready'));

      await Promise.all(
        handles.map((handle, i) =>
          h.updateSpec(handle, refs[i], { size: 'medium' }),
        ),
      );
      const updated = await settled(
        handles,
        readyWithParameters({ size: 'medium' }),
      );
      expect(outcomes(updated, 'Ready')).toEqual(
        Array(WORKFLOWS).fill('Ready'),
      );

      await Promise.all(handles.map(handle => h.deprovision(handle)));
      const results = (await Promise.all(
        handles.map(handle => handle.result()),
      )) as ResourceStatus[];
      expect(outcomes(results, 'Deleted')).toEqual(
        Array(WORKFLOWS).fill('Deleted'),
      );

      const { injected } = await h.sim.admin.faults();
      expect(injected).toBeGreaterThan(0);
      const activities = (await Promise.all(handles.map(activitiesOf))).flat();
      // Both kinds ran: the cluster calls made within workflow tasks, and activities of their own.
      expect(new Set(activities.map(a => a.local))).toEqual(
        new Set([true, false]),
      );
      // Every activity has an explicit, bounded policy that backs off, and kept to it.
      for (const activity of activities) {
        expect(activity.attempts).toBeGreaterThanOrEqual(1);
        expect(activity.attempts).toBeLessThanOrEqual(MOST_ATTEMPTS_ALLOWED);
        if (activity.local) continue;
        expect(activity.maximumAttempts).toBeGreaterThan(0);
        expect(activity.maximumAttempts).toBeLessThanOrEqual(
          MOST_ATTEMPTS_ALLOWED,
        );
        expect(activity.initialIntervalMs).toBeGreaterThanOrEqual(1000);
        expect(activity.attempts).toBeLessThanOrEqual(activity.maximumAttempts);
      }
    } finally {
      clearInterval(dropping);
      await h.sim.admin.setFaults({});
    }
  });
});
