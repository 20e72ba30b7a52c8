/*
 * Task matching: tasks wait in their queue until a worker polls; polls wait (long-poll) until a
 * task arrives, the poll times out, or the worker gives up. Each queue remembers when a worker
 * last polled it, which tells whether a worker still serves it.
 */
export interface Waiter<T> {
  resolve(task: T | undefined): void;
}

const POLL_TIMEOUT_MS = 60_000;

export class TaskQueues<T> {
  private readonly tasks = new Map<string, T[]>();
  private readonly pollers = new Map<string, Array<Waiter<T>>>();
  /** When a poll of each queue last started or ended, in the clock given. */
  private readonly lastPolled = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

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
  private hasPoller(namespace: string, queue: string): boolean {
    return (this.pollers.get(this.key(namespace, queue))?.length ?? 0) > 0;
  }

  /** Whether a worker polls the queue now or did within the last `windowMs`. */
  polledWithin(namespace: string, queue: string, windowMs: number): boolean {
    if (this.hasPoller(namespace, queue)) return true;
    const last = this.lastPolled.get(this.key(namespace, queue));
    return last !== undefined && this.now() - last <= windowMs;
  }

  /** The queue's worker is gone (it said so): it no longer counts as polled; its tasks moved. */
  forget(namespace: string, queue: string): void {
    const key = this.key(namespace, queue);
    this.lastPolled.delete(key);
    this.tasks.delete(key);
  }

  /** Takes a task off its queue (it moved elsewhere), if it still waits there. */
  remove(namespace: string, queue: string, task: T): void {
    const key = this.key(namespace, queue);
    const tasks = this.tasks.get(key);
    const index = tasks?.indexOf(task) ?? -1;
    if (index !== -1) tasks!.splice(index, 1);
    if (tasks?.length === 0) this.tasks.delete(key);
  }

  /** The next task, or undefined when none came within the poll timeout or the poll was cancelled. */
  poll(
    namespace: string,
    queue: string,
    signal: AbortSignal,
    timeoutMs = POLL_TIMEOUT_MS,
  ): Promise<T | undefined> {
    const key = this.key(namespace, queue);
    this.lastPolled.set(key, this.now());
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
        this.lastPolled.set(key, this.now());
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
