/*
 * Faults switchable at run time: added latency, requests held until the faults change, a fraction
 * of requests answered with 500, 503 or 429 (optionally only for some verbs or paths), and dropped
 * watch streams.
 */
import type http from 'node:http';
import { StatusError } from './status';

/** @public */
export interface FaultSettings {
  /** Added before every matching request. */
  latencyMs?: number;
  /**
   * Matching requests wait until the faults are set again (a partition that a test ends when it
   * is ready, however long what it does meanwhile takes); latency and errors apply after that.
   */
  hold?: boolean;
  /** Fraction (0..1) of matching requests answered with an error instead. */
  errorRate?: number;
  /** Which errors, picked at random. Default: 500, 503, 429. */
  errorCodes?: number[];
  /** Only requests with these HTTP methods (e.g. PATCH, POST). Default: all. */
  methods?: string[];
  /** Only requests whose path contains one of these strings. Default: all. */
  pathIncludes?: string[];
}

const MESSAGES: Record<number, [string, string]> = {
  500: ['InternalError', 'Internal error occurred: injected fault'],
  503: [
    'ServiceUnavailable',
    'the server is currently unable to handle the request (injected fault)',
  ],
  429: [
    'TooManyRequests',
    'the server has received too many requests and has asked us to try again later (injected fault)',
  ],
};

export class FaultInjector {
  private settings: FaultSettings = {};
  private readonly watches = new Set<http.ServerResponse>();
  /** Lets the requests held under the current settings go on. */
  private release: () => void = () => {};
  private released: Promise<void> = Promise.resolve();
  injected = 0;

  set(settings: FaultSettings): void {
    this.settings = { ...settings };
    this.release();
    this.released = new Promise(resolve => {
      this.release = resolve;
    });
  }

  get(): FaultSettings {
    return { ...this.settings };
  }

  private matches(req: http.IncomingMessage): boolean {
    const { methods, pathIncludes } = this.settings;
    if (methods?.length && !methods.includes(req.method ?? 'GET')) return false;
    if (
      pathIncludes?.length &&
      !pathIncludes.some(p => (req.url ?? '').includes(p))
    )
      return false;
    return true;
  }

  async beforeRequest(req: http.IncomingMessage): Promise<void> {
    if (!this.matches(req)) return;
    if (this.settings.hold) await this.released;
    if (!this.matches(req)) return;
    const { latencyMs, errorRate, errorCodes } = this.settings;
    if (latencyMs) await new Promise(resolve => setTimeout(resolve, latencyMs));
    if (errorRate && Math.random() < errorRate) {
      const codes = errorCodes?.length ? errorCodes : [500, 503, 429];
      const code = codes[Math.floor(Math.random() * codes.length)];
      const [reason, message] = MESSAGES[code] ?? [
        'InternalError',
        'injected fault',
      ];
      this.injected++;
      throw new StatusError(
        code,
        reason,
        message,
        code === 429 ? { retryAfterSeconds: 1 } : undefined,
      );
    }
  }

  trackWatch(res: http.ServerResponse): void {
    this.watches.add(res);
  }

  untrackWatch(res: http.ServerResponse): void {
    this.watches.delete(res);
  }

  /** Ends every open watch stream, as a load balancer or API server restart would. */
  dropWatches(): number {
    const count = this.watches.size;
    for (const res of this.watches) res.destroy();
    this.watches.clear();
    return count;
  }
}
