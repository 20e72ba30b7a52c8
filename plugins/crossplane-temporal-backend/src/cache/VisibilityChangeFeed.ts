/*
 * Which resource workflows changed, from Temporal's visibility: one list call per interval for
 * the workflows whose `CrossplaneUpdatedAt` search attribute is newer than the newest seen so far
 * (workflows set it on every phase change), however many workflows there are. A window reaching a
 * little before the newest time seen covers visibility's lag and changes made in the same
 * instant; what was already reported is not reported twice.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { TypedSearchAttributes } from '@temporalio/common';
import { RESOURCE_SEARCH_ATTRIBUTES } from '../searchAttributes';
import type { ChangeFeed } from './WorkflowStateCache';

export interface VisibilityChangeFeedOptions {
  /** Lists resource workflows matching a visibility query (ResourceWorkflowClient.list). */
  list(query: string): AsyncIterable<{
    workflowId: string;
    typedSearchAttributes: TypedSearchAttributes;
  }>;
  logger: LoggerService;
  /** Default 2 s. */
  intervalMs?: number;
  /** How far before the newest time seen each list reaches back. Default 5 s. */
  overlapMs?: number;
  /** Changes up to this time are known already (the first list starts there). Default: now. */
  since?: Date;
  now?: () => number;
}

export class VisibilityChangeFeed implements ChangeFeed {
  private readonly reported = new Map<string, number>();
  private newest = 0;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly options: VisibilityChangeFeedOptions) {
    this.now = options.now ?? Date.now;
    this.knownUntil(options.since ?? new Date(this.now()));
  }

  /** Changes up to `time` are known: the next list starts there, not before. */
  private knownUntil(time: Date) {
    this.newest = time.getTime() + (this.options.overlapMs ?? 5_000);
  }

  start(onChanged: (workflowIds: string[]) => void, knownUntil?: Date): void {
    if (knownUntil) this.knownUntil(knownUntil);
    const tick = async () => {
      try {
        const changed = await this.poll();
        if (changed.length) onChanged(changed);
      } catch (error) {
        this.options.logger.warn('could not list changed resource workflows', {
          error: String(error),
        });
      }
      if (!this.stopped) {
        this.timer = setTimeout(
          () => (this.running = tick()),
          this.options.intervalMs ?? 2_000,
        );
        this.timer.unref();
      }
    };
    this.running = tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** The workflows changed since the last poll, once each. */
  async poll(): Promise<string[]> {
    const overlap = this.options.overlapMs ?? 5_000;
    const from = new Date(this.newest - overlap).toISOString();
    const changed: string[] = [];
    for await (const execution of this.options.list(
      `${RESOURCE_SEARCH_ATTRIBUTES.updatedAt.name} > '${from}'`,
    )) {
      const at = execution.typedSearchAttributes
        .get(RESOURCE_SEARCH_ATTRIBUTES.updatedAt)
        ?.getTime();
      if (at === undefined || at <= this.newest - overlap) continue;
      if ((this.reported.get(execution.workflowId) ?? -1) >= at) continue;
      this.reported.set(execution.workflowId, at);
      if (at > this.newest) this.newest = at;
      if (!changed.includes(execution.workflowId))
        changed.push(execution.workflowId);
    }
    // What is older than the window can never be listed again.
    for (const [id, at] of this.reported)
      if (at < this.newest - overlap) this.reported.delete(id);
    return changed;
  }
}
