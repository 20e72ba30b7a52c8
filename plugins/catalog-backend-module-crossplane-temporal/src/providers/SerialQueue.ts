/*
 * Runs jobs one after another, so that a full refresh and the changes arriving meanwhile never
 * interleave their mutations.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly onError: (error: Error) => void) {}

  /** Runs the job after the others; its failure goes to the error handler. */
  push(job: () => Promise<void>): void {
    this.run(job).catch(error => this.onError(error as Error));
  }

  /** Runs the job after the others; the answer settles as the job does. */
  run(job: () => Promise<void>): Promise<void> {
    const result = this.tail.then(job);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
