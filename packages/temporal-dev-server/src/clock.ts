/*
 * The server's sense of time. Normally the system clock; the time-skipping test server's clock
 * can jump ahead to the next deadline while nothing is running and no client holds it.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** System time plus an offset that only grows; skipping is allowed while no lock is held. */
export class SkippingClock implements Clock {
  private offset = 0;
  /** Locks held by clients (LockTimeSkipping); the server starts locked, as Temporal's does. */
  locks = 1;

  now(): number {
    return Date.now() + this.offset;
  }

  advance(ms: number): void {
    if (ms > 0) this.offset += ms;
  }
}
