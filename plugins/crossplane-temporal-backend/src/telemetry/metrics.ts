/*
 * The plugin's metrics, through Backstage's metrics service (OpenTelemetry meters; the backend's
 * instrumentation exports them, in Prometheus format on the local stack): API requests by
 * operation and outcome, and, from the steps of the workflows the cache reads, time to Ready,
 * approval waits, drift detections and repairs; and how old the caches are.
 */
import type { MetricsService } from '@backstage/backend-plugin-api/alpha';
import {
  apiGroupOf,
  type StepRecord,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { ClusterStateCache } from '../cache/ClusterStateCache';
import type {
  WorkflowEntry,
  WorkflowStateCache,
} from '../cache/WorkflowStateCache';

/** Buckets for waits from seconds to a day. */
const SECONDS_BUCKETS = [
  0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600, 14400, 86400,
];

export type RequestOutcome =
  | 'accepted'
  | 'answered'
  | 'refused'
  | 'denied'
  | 'not-found'
  | 'conflict'
  | 'unavailable'
  | 'error';

export class PluginMetrics {
  private readonly requests;
  private readonly timeToReady;
  private readonly approvalWait;
  private readonly driftDetections;
  private readonly driftRepairs;

  constructor(private readonly metrics: MetricsService) {
    this.requests = metrics.createCounter('crossplane_temporal.requests', {
      description: 'API requests, by operation and outcome',
    });
    this.timeToReady = metrics.createHistogram(
      'crossplane_temporal.time_to_ready',
      {
        description:
          'From a provision or update request to Crossplane reporting the resource Ready',
        unit: 's',
        advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
      },
    );
    this.approvalWait = metrics.createHistogram(
      'crossplane_temporal.approval_wait',
      {
        description: 'How long requests waited for an approval decision',
        unit: 's',
        advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
      },
    );
    this.driftDetections = metrics.createCounter(
      'crossplane_temporal.drift.detections',
      { description: 'Resources found changed or deleted outside Backstage' },
    );
    this.driftRepairs = metrics.createCounter(
      'crossplane_temporal.drift.repairs',
      { description: 'Drift repairs, by outcome' },
    );
  }

  request(operation: string, outcome: RequestOutcome) {
    this.requests.add(1, { operation, outcome });
  }

  /** Reports how old each cache's data is, whenever metrics are collected. */
  observeCacheAge(
    clusters: ClusterStateCache,
    workflows: WorkflowStateCache,
    now: () => number = Date.now,
  ) {
    const gauge = this.metrics.createObservableGauge(
      'crossplane_temporal.cache.age',
      {
        description:
          'Seconds since each cache was last known to hold what its source holds',
        unit: 's',
      },
    );
    gauge.addCallback(result => {
      for (const cluster of clusters.clusterNames()) {
        const { observedAt } = clusters.freshness(cluster);
        result.observe(observedAt ? (now() - observedAt) / 1000 : -1, {
          source: 'cluster',
          cluster,
        });
      }
      let oldest = now();
      for (const entry of workflows.all())
        oldest = Math.min(oldest, entry.readAt);
      result.observe((now() - oldest) / 1000, { source: 'workflows' });
    });
  }

  /** Measures what the steps a workflow took since it was last read say. */
  stepsSeen(next: WorkflowEntry, previous?: WorkflowEntry) {
    // On first sight, steps are history, not news.
    if (!previous) return;
    const lastSeen = previous.status.steps.at(-1)?.seq ?? 0;
    const steps = next.status.steps;
    const kind = `${next.status.ref.kind}.${apiGroupOf(
      next.status.ref.apiVersion,
    )}`;
    const firstOf = (requestId: string | undefined, name?: string) =>
      steps.find(s => s.requestId === requestId && (!name || s.step === name));
    for (const step of steps.filter(s => s.seq > lastSeen)) {
      if (step.step === 'wait-ready' && step.outcome === 'succeeded') {
        const asked = firstOf(step.requestId, 'request');
        if (asked)
          this.timeToReady.record(secondsBetween(asked, step), { kind });
      }
      if (step.step === 'await-approval' && step.outcome !== 'started') {
        const started = steps.find(
          s =>
            s.step === 'await-approval' &&
            s.outcome === 'started' &&
            s.requestId === step.requestId,
        );
        if (started)
          this.approvalWait.record(secondsBetween(started, step), {
            kind,
            outcome: approvalOutcomeOf(step),
          });
      }
      if (step.step === 'drift-detected') this.driftDetections.add(1, { kind });
      if (step.step === 'drift-repaired')
        this.driftRepairs.add(1, {
          kind,
          outcome: step.outcome === 'succeeded' ? 'repaired' : 'failed',
        });
    }
  }
}

/** How an approval wait ended, from the step that ended it. */
function approvalOutcomeOf(step: StepRecord): string {
  if (step.outcome === 'skipped') return 'withdrawn';
  if (step.message.startsWith('approved')) return 'approved';
  if (step.message.startsWith('rejected')) return 'rejected';
  return 'expired';
}

function secondsBetween(from: StepRecord, to: StepRecord): number {
  return Math.max(0, (Date.parse(to.at) - Date.parse(from.at)) / 1000);
}
