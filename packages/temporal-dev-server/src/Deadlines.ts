/*
 * Named deadlines: timer fires, task timeouts, retry backoffs. Arming a name again replaces its
 * deadline, so state changes never leave a stale timeout behind. Deadlines are kept in the
 * server's clock, so a clock that jumps ahead (time skipping) fires them early in real time.
 */
import type { Clock } from './clock';

interface Deadline {
  at: number;
  action: () => void;
  timer: NodeJS.Timeout;
}

export class Deadlines {
  private readonly deadlines = new Map<string, Deadline>();
  /** Called after a deadline's action ran (the time skipper looks again). */
  onFired: () => void = () => {};

  constructor(readonly clock: Clock) {}

  /** Runs `action` at `at` (server time, epoch ms), or at once if that has passed. */
  arm(name: string, at: number, action: () => void): void {
    this.disarm(name);
    this.deadlines.set(name, { at, action, timer: this.schedule(name, at) });
  }

  private schedule(name: string, at: number) {
    return setTimeout(() => {
      const deadline = this.deadlines.get(name);
      if (!deadline) return;
      this.deadlines.delete(name);
      deadline.action();
      this.onFired();
    }, Math.max(0, at - this.clock.now()));
  }

  disarm(name: string): void {
    const deadline = this.deadlines.get(name);
    if (deadline) {
      clearTimeout(deadline.timer);
      this.deadlines.delete(name);
    }
  }

  /** Disarms every deadline whose name starts with `prefix` (a closed run's). */
  disarmAll(prefix = ''): void {
    for (const name of [...this.deadlines.keys()])
      if (name.startsWith(prefix)) this.disarm(name);
  }

  /** The earliest armed deadline, in server time. */
  next(): number | undefined {
    let earliest: number | undefined = undefined;
    for (const { at } of this.deadlines.values())
      if (earliest === undefined || at < earliest) earliest = at;
    return earliest;
  }

  /** The clock jumped: re-schedule every deadline against the new time. */
  clockChanged(): void {
    for (const [name, deadline] of this.deadlines) {
      clearTimeout(deadline.timer);
      deadline.timer = this.schedule(name, deadline.at);
    }
  }
}
