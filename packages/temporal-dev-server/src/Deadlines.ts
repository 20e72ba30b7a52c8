/*
 * Named deadlines: timer fires, task timeouts, retry backoffs. Arming a name again replaces its
 * deadline, so state changes never leave a stale timeout behind. Deadlines are kept in the
 * server's clock, so a clock that jumps ahead (time skipping) fires them early in real time.
 * Names are `<owner>/<what>` (a run ID as owner), so a closed run's deadlines go in one step.
 */
import type { Clock } from './clock';

interface Deadline {
  at: number;
  action: () => void;
  timer: NodeJS.Timeout;
}

const ownerOf = (name: string) =>
  name.slice(0, name.indexOf('/') + 1 || undefined);

export class Deadlines {
  /** By owner, then by name. */
  private readonly owners = new Map<string, Map<string, Deadline>>();
  /** Called after a deadline's action ran (the time skipper looks again). */
  onFired: () => void = () => {};
  /**
   * Called when a deadline's action throws (a bug: actions handle what they expect). The server
   * logs it, and the other deadlines still fire; unset, the error is thrown on, as uncaught.
   */
  onError: (name: string, error: unknown) => void = (_name, error) => {
    throw error;
  };

  constructor(readonly clock: Clock) {}

  /** Runs `action` at `at` (server time, epoch ms), or at once if that has passed. */
  arm(name: string, at: number, action: () => void): void {
    this.disarm(name);
    const owner = ownerOf(name);
    const deadlines = this.owners.get(owner) ?? new Map<string, Deadline>();
    this.owners.set(owner, deadlines);
    deadlines.set(name, { at, action, timer: this.schedule(name, at) });
  }

  private schedule(name: string, at: number) {
    return setTimeout(() => {
      // Node's timers can fire a millisecond before the wall clock says `at`: never act early.
      const pending = this.owners.get(ownerOf(name))?.get(name);
      if (pending && this.clock.now() < at) {
        pending.timer = this.schedule(name, at);
        return;
      }
      const deadline = this.take(name);
      if (!deadline) return;
      try {
        deadline.action();
      } catch (error) {
        this.onError(name, error);
      }
      this.onFired();
    }, Math.max(0, at - this.clock.now()));
  }

  /** Removes a deadline without running it; returns it. */
  private take(name: string): Deadline | undefined {
    const owner = ownerOf(name);
    const deadlines = this.owners.get(owner);
    const deadline = deadlines?.get(name);
    if (!deadline) return undefined;
    deadlines!.delete(name);
    if (deadlines!.size === 0) this.owners.delete(owner);
    return deadline;
  }

  disarm(name: string): void {
    const deadline = this.take(name);
    if (deadline) clearTimeout(deadline.timer);
  }

  /** Disarms every deadline of one owner (a closed run's), or all of them. */
  disarmAll(owner?: string): void {
    const owners =
      owner === undefined ? [...this.owners.keys()] : [`${owner}/`];
    for (const key of owners) {
      for (const deadline of this.owners.get(key)?.values() ?? [])
        clearTimeout(deadline.timer);
      this.owners.delete(key);
    }
  }

  private *all(): Iterable<[string, Deadline]> {
    for (const deadlines of this.owners.values()) yield* deadlines;
  }

  /** The earliest armed deadline, in server time. */
  next(): number | undefined {
    let earliest: number | undefined = undefined;
    for (const [, { at }] of this.all())
      if (earliest === undefined || at < earliest) earliest = at;
    return earliest;
  }

  /** The clock jumped: re-schedule every deadline against the new time. */
  clockChanged(): void {
    for (const [name, deadline] of this.all()) {
      clearTimeout(deadline.timer);
      deadline.timer = this.schedule(name, deadline.at);
    }
  }
}
