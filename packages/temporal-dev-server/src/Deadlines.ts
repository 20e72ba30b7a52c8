/*
 * Named deadlines: timer fires, task timeouts, retry backoffs. Arming a name again replaces its
 * deadline, so state changes never leave a stale timeout behind.
 */
export class Deadlines {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  /** Runs `action` at `at` (epoch ms), or at once if that has passed. */
  arm(name: string, at: number, action: () => void): void {
    this.disarm(name);
    const timer = setTimeout(() => {
      this.timers.delete(name);
      action();
    }, Math.max(0, at - Date.now()));
    this.timers.set(name, timer);
  }

  disarm(name: string): void {
    const timer = this.timers.get(name);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(name);
    }
  }

  /** Disarms every deadline whose name starts with `prefix` (a closed run's). */
  disarmAll(prefix = ''): void {
    for (const name of [...this.timers.keys()])
      if (name.startsWith(prefix)) this.disarm(name);
  }
}
