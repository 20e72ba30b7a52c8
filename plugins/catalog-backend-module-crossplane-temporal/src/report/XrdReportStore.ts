/*
 * The latest report for every XRD, kept where the platform page can read it. A root service, so
 * the crossplane-temporal backend plugin (which serves the page's API) reads the same instance
 * the catalog module writes in the same backend.
 */
import { createServiceFactory, createServiceRef } from '@backstage/backend-plugin-api';
import type { XrdReport } from '@crossplane-temporal/plugin-crossplane-temporal-common';

/**
 * Reads the reports.
 *
 * @public
 */
export interface XrdReportReader {
  /** Every XRD's report, by XRD name. */
  list(): XrdReport[];
  get(xrd: string): XrdReport | undefined;
  /** When the reports were last made from a full list of the XRDs; undefined before the first. */
  lastFullRefresh(): Date | undefined;
}

/** @public */
export class XrdReportStore implements XrdReportReader {
  private readonly reports = new Map<string, XrdReport>();
  private refreshedAt: Date | undefined;

  list(): XrdReport[] {
    return [...this.reports.values()].sort((a, b) => a.xrd.localeCompare(b.xrd));
  }

  get(xrd: string): XrdReport | undefined {
    return this.reports.get(xrd);
  }

  lastFullRefresh(): Date | undefined {
    return this.refreshedAt;
  }

  replaceAll(reports: XrdReport[], at: Date = new Date()): void {
    this.reports.clear();
    for (const report of reports) this.reports.set(report.xrd, report);
    this.refreshedAt = at;
  }

  set(report: XrdReport): void {
    this.reports.set(report.xrd, report);
  }

  delete(xrd: string): void {
    this.reports.delete(xrd);
  }
}

/**
 * The XRD reports of this backend.
 *
 * @public
 */
export const xrdReportServiceRef = createServiceRef<XrdReportStore>({
  id: 'crossplane-temporal.xrd-reports',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {},
      factory: () => new XrdReportStore(),
    }),
});
