/*
 * Delivers watch events to their workflows as signals, the way a Kubernetes work queue feeds a
 * controller: a bounded number at a time, only the newest event per object (one still waiting is
 * replaced by a newer one), one delivery per object at a time so they arrive in order, news from
 * live watches before what a list found, and failed deliveries retried with backoff.
 * A worker that starts lists every object it watches; this keeps that from becoming a burst of
 * thousands of signals at once, and a Temporal hiccup from losing an event.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { ObservedObjectEvent } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { backoffDelayMs, pause, type Backoff } from '../lib/backoff';

export interface Delivery {
  /** The object the event is about (one delivery per key at a time; newer replaces older). */
  key: string;
  workflowId: string;
  event: ObservedObjectEvent;
  /** Found by a list (start, relist) rather than reported by a watch: delivered after those. */
  fromList: boolean;
}

export interface DeliveryQueueOptions {
  deliver(workflowId: string, event: ObservedObjectEvent): Promise<void>;
  logger: LoggerService;
  /** Deliveries in flight at once. Default 16. */
  concurrency?: number;
  /** Attempts per delivery before it is given up (the workflow's fallback read still finds the state). Default 8. */
  maxAttempts?: number;
  /** Pauses between attempts. Default 500 ms, doubling up to 30 s. */
  retryBackoff?: Backoff;
}

const DEFAULT_RETRY_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000 };

export class DeliveryQueue {
  /** Waiting deliveries by key, oldest first (Map keeps insertion order). */
  private readonly fromWatch = new Map<string, Delivery>();
  private readonly fromList = new Map<string, Delivery>();
  private readonly delivering = new Set<string>();
  private readonly sending = new Set<Promise<void>>();
  /** Aborted on stop: ends the pauses between attempts at once. */
  private readonly stopping = new AbortController();

  constructor(private readonly options: DeliveryQueueOptions) {}

  /** Deliveries waiting to go out (not counting those in flight). */
  get waiting(): number {
    return this.fromWatch.size + this.fromList.size;
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  push(delivery: Delivery): void {
    if (this.stopped) return;
    this.fromWatch.delete(delivery.key);
    this.fromList.delete(delivery.key);
    (delivery.fromList ? this.fromList : this.fromWatch).set(
      delivery.key,
      delivery,
    );
    this.pump();
  }

  /** Drops what waits, stops retrying and waits for the deliveries in flight. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.fromWatch.clear();
    this.fromList.clear();
    await Promise.all(this.sending);
  }

  private next(): Delivery | undefined {
    for (const lane of [this.fromWatch, this.fromList]) {
      for (const [key, delivery] of lane) {
        // An older event for the object is still on its way: this one goes after it.
        if (this.delivering.has(key)) continue;
        lane.delete(key);
        return delivery;
      }
    }
    return undefined;
  }

  private pump(): void {
    const concurrency = this.options.concurrency ?? 16;
    while (!this.stopped && this.sending.size < concurrency) {
      const delivery = this.next();
      if (!delivery) return;
      this.delivering.add(delivery.key);
      const sending: Promise<void> = this.send(delivery).finally(() => {
        this.delivering.delete(delivery.key);
        this.sending.delete(sending);
        this.pump();
      });
      this.sending.add(sending);
    }
  }

  private async send({ key, workflowId, event }: Delivery): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 8;
    const backoff = this.options.retryBackoff ?? DEFAULT_RETRY_BACKOFF;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.deliver(workflowId, event);
        return;
      } catch (error) {
        if (this.stopped || this.superseded(key)) return;
        const fields = {
          workflowId,
          kind: event.kind,
          name: event.name,
          attempt,
          error: String(error),
        };
        if (attempt >= maxAttempts) {
          this.options.logger.warn(
            'gave up delivering a watch event to its workflow; its next read of the cluster will see the change',
            fields,
          );
          return;
        }
        const delayMs = backoffDelayMs(backoff, attempt);
        this.options.logger.warn(
          'could not deliver a watch event to its workflow; retrying',
          { ...fields, retryInMs: delayMs },
        );
        await pause(delayMs, this.stopping.signal);
        if (this.stopped || this.superseded(key)) return;
      }
    }
  }

  /** A newer event for the object waits: it, not this one, is what the workflow should get. */
  private superseded(key: string): boolean {
    return this.fromWatch.has(key) || this.fromList.has(key);
  }
}
