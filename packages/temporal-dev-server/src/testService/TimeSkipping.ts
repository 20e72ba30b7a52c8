/*
 * Time skipping, as Temporal's test server does it: while no client holds a lock and no workflow
 * or activity task is outstanding, the clock jumps to the next deadline (a timer, a backoff, a
 * client's sleep), so a workflow that sleeps for a day completes in milliseconds.
 */
import * as grpc from '@grpc/grpc-js';
import type { temporal } from '@temporalio/proto';
import type { SkippingClock } from '../clock';
import type { Deadlines } from '../Deadlines';
import { RpcError, type ServiceHandlers } from '../grpc/serviceDefinition';
import { durationMs, timestamp } from '../history/time';

export class TimeSkipping {
  private pending = false;
  private sleeps = 0;

  constructor(
    private readonly clock: SkippingClock,
    private readonly deadlines: Deadlines,
    /** True while a workflow task or an activity attempt is outstanding. */
    private readonly busy: () => boolean,
  ) {
    deadlines.onFired = () => this.look();
  }

  /** Looks for a chance to skip once the current work settles. */
  look(): void {
    if (this.pending) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      this.skip();
    });
  }

  private skip() {
    if (this.clock.locks > 0 || this.busy()) return;
    const next = this.deadlines.next();
    const now = this.clock.now();
    if (next === undefined || next <= now) return;
    this.clock.advance(next - now);
    this.deadlines.clockChanged();
  }

  /** Resolves once server time has moved `ms` ahead (skipping, when allowed). */
  sleep(ms: number): Promise<void> {
    return new Promise(resolve => {
      this.deadlines.arm(
        `test-service/sleep/${++this.sleeps}`,
        this.clock.now() + ms,
        resolve,
      );
      this.look();
    });
  }

  handlers(): ServiceHandlers<temporal.api.testservice.v1.TestService> {
    return {
      LockTimeSkipping: async () => {
        this.clock.locks += 1;
        return {};
      },
      UnlockTimeSkipping: async () => {
        this.unlock();
        return {};
      },
      Sleep: async request => {
        await this.sleep(durationMs(request.duration) ?? 0);
        return {};
      },
      SleepUntil: async request => {
        const at = durationMs(request.timestamp) ?? 0;
        await this.sleep(at - this.clock.now());
        return {};
      },
      UnlockTimeSkippingWithSleep: async request => {
        this.unlock();
        try {
          await this.sleep(durationMs(request.duration) ?? 0);
        } finally {
          this.clock.locks += 1;
        }
        return {};
      },
      GetCurrentTime: async () => ({ time: timestamp(this.clock.now()) }),
    };
  }

  private unlock() {
    if (this.clock.locks === 0) {
      throw new RpcError(
        grpc.status.FAILED_PRECONDITION,
        'time skipping is not locked: every UnlockTimeSkipping needs an earlier LockTimeSkipping',
      );
    }
    this.clock.locks -= 1;
    this.look();
  }
}
