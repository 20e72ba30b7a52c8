/*
 * Steps of a start that a failure must not leave half done: each step's error says what could not
 * be done, and what the steps before it set up is undone, newest first.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';

export class SetUp {
  private readonly undos: Array<{ step: string; undo: () => Promise<void> }> =
    [];

  constructor(private readonly logger: LoggerService) {}

  /**
   * Runs a step and remembers how to undo it.
   *
   * @param failure - what could not be done if it fails: the start of its error's message
   * @param undo - none for the last step, which nothing after it can undo
   */
  async step<T>(
    failure: string,
    run: () => Promise<T> | T,
    undo?: (done: T) => Promise<void>,
  ): Promise<T> {
    let done: T;
    try {
      done = await run();
    } catch (error) {
      throw new Error(`${failure}: ${(error as Error)?.message ?? error}`, {
        cause: error,
      });
    }
    if (undo) this.undos.push({ step: failure, undo: () => undo(done) });
    return done;
  }

  /** Undoes every step, newest first; one that fails to is logged, and the others still undone. */
  async undo(): Promise<void> {
    for (const { step, undo } of this.undos.splice(0).reverse()) {
      try {
        await undo();
      } catch (error) {
        this.logger.warn('could not undo a step of a failed start', {
          step,
          error: String(error),
        });
      }
    }
  }
}
