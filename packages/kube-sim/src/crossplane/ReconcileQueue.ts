/*
 * The controllers' work queue: jobs keyed by object, coalesced until the next turn of the event
 * loop (a burst of changes to one object is reconciled once, with its latest state), then run in
 * order. A job that throws is logged and does not stop the others.
 */
import type { Log } from '../logger';

export class ReconcileQueue {
  private readonly jobs = new Map<string, () => void>();
  private scheduled = false;

  constructor(private readonly log: Log) {}

  /** Replaces any job already queued under `key`. */
  add(key: string, job: () => void): void {
    this.jobs.set(key, job);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  clear(): void {
    this.jobs.clear();
  }

  private drain(): void {
    this.scheduled = false;
    const work = [...this.jobs.values()];
    this.jobs.clear();
    for (const job of work) {
      try {
        job();
      } catch (error) {
        this.log('warn', 'reconcile failed', {
          error: String((error as Error).stack ?? error),
        });
      }
    }
  }
}
