/*
 * Task matching: tasks wait in their queue until a worker polls; polls wait (long-poll) until a
 * task arrives, the poll times out, or the worker gives up.
 */
export interface Waiter<T> {
  resolve(task: T | undefined): void;
}

const POLL_TIMEOUT_MS = 60_000;

export class TaskQueues<T> {
  private readonly tasks = new Map<string, T[]>();
  private readonly pollers = new Map<string, Array<Waiter<T>>>();

  private key(namespace: string, queue: string) {
    return `${namespace}\u0000${queue}`;
  }

  add(namespace: string, queue: string, task: T, first = false): void {
    const key = this.key(namespace, queue);
    const poller = this.pollers.get(key)?.shift();
    if (poller) {
      poller.resolve(task);
      return;
    }
    const tasks = this.tasks.get(key) ?? [];
    if (first) tasks.unshift(task);
    else tasks.push(task);
    this.tasks.set(key, tasks);
  }

  /** Whether a worker is waiting on the queue right now. */
  hasPoller(namespace: string, queue: string): boolean {
    return (this.pollers.get(this.key(namespace, queue))?.length ?? 0) > 0;
  }

  /** The next task, or undefined when none came within the poll timeout or the poll was cancelled. */
  poll(
    namespace: string,
    queue: string,
    signal: AbortSignal,
    timeoutMs = POLL_TIMEOUT_MS,
  ): Promise<T | undefined> {
    const key = this.key(namespace, queue);
    const waiting = this.tasks.get(key);
    if (waiting?.length) return Promise.resolve(waiting.shift());
    return new Promise(resolve => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const waiter: Waiter<T> = { resolve: () => {} };
      const cancel = () => {
        const list = this.pollers.get(key) ?? [];
        const index = list.indexOf(waiter);
        if (index !== -1) list.splice(index, 1);
        waiter.resolve(undefined);
      };
      waiter.resolve = task => {
        clearTimeout(timer);
        signal.removeEventListener('abort', cancel);
        resolve(task);
      };
      timer = setTimeout(cancel, timeoutMs);
      signal.addEventListener('abort', cancel);
      const list = this.pollers.get(key) ?? [];
      list.push(waiter);
      this.pollers.set(key, list);
    });
  }

  /** Ends every waiting poll (server shutdown). */
  releaseAll(): void {
    for (const list of this.pollers.values())
      for (const waiter of list.splice(0)) waiter.resolve(undefined);
  }
}
