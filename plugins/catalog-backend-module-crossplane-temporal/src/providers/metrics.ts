/*
 * Metrics of the XRD reports: how many XRDs have each outcome, and how many problems of each
 * reason they have now, so an alert can fire on an XRD that stopped making its template.
 */
import type { MetricsService } from '@backstage/backend-plugin-api/alpha';
import type { XrdReport } from '@crossplane-temporal/plugin-crossplane-temporal-common';

/** @public */
export interface XrdReportMetrics {
  /** Takes the current reports; the gauges report them at the next collection. */
  observe(reports: XrdReport[]): void;
}

/** @public */
export function createXrdReportMetrics(metrics: MetricsService): XrdReportMetrics {
  let latest: XrdReport[] = [];
  const outcomes = metrics.createObservableGauge<{ outcome: string }>(
    'crossplane_temporal.catalog.xrds',
    { description: 'XRDs by the outcome of their template generation', unit: '{xrd}' },
  );
  outcomes.addCallback(result => {
    const counts = new Map<string, number>();
    for (const r of latest) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
    for (const outcome of ['generated', 'partial', 'api-only', 'disabled', 'failed'])
      result.observe(counts.get(outcome) ?? 0, { outcome });
  });
  const problems = metrics.createObservableGauge<{ reason: string; severity: string }>(
    'crossplane_temporal.catalog.xrd_problems',
    { description: 'Problems the XRD reports list now, by reason and severity', unit: '{problem}' },
  );
  problems.addCallback(result => {
    const counts = new Map<string, number>();
    for (const p of latest.flatMap(r => r.problems)) {
      const key = `${p.reason}\u0000${p.severity}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, count] of counts) {
      const [reason, severity] = key.split('\u0000');
      result.observe(count, { reason, severity });
    }
  });
  return {
    observe(reports) {
      latest = reports;
    },
  };
}
