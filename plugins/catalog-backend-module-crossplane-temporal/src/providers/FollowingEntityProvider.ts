/*
 * What both providers do with their source: follow its changes (each applied in turn, after any
 * refresh under way) and list everything again on the scheduler's schedule, starting at once.
 */
import type {
  LoggerService,
  SchedulerServiceTaskRunner,
} from '@backstage/backend-plugin-api';
import type {
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import { SerialQueue } from './SerialQueue';

export abstract class FollowingEntityProvider<TChange> implements EntityProvider {
  protected connection?: EntityProviderConnection;
  protected readonly queue: SerialQueue;
  private unsubscribe?: () => void;

  constructor(
    private readonly providerName: string,
    private readonly base: {
      logger: LoggerService;
      taskRunner: SchedulerServiceTaskRunner;
      /** What the provider keeps up to date, for the log line when an update fails. */
      what: string;
    },
  ) {
    this.queue = new SerialQueue(error =>
      base.logger.error(`could not update the ${base.what}`, error),
    );
  }

  getProviderName(): string {
    return this.providerName;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    this.unsubscribe = this.follow(change =>
      this.queue.push(() => this.applyChange(change)),
    );
    await this.base.taskRunner.run({
      id: `${this.providerName}:refresh`,
      fn: () => this.refresh(),
    });
  }

  /** Stops following changes (the catalog keeps the entities). */
  close(): void {
    this.unsubscribe?.();
  }

  /** Lists everything again and replaces all the provider's entities (a full mutation). */
  abstract refresh(): Promise<void>;

  /** Subscribes to the source's changes; answers the function that stops them. */
  protected abstract follow(listener: (change: TChange) => void): () => void;

  /** Applies one change as a delta mutation. */
  protected abstract applyChange(change: TChange): Promise<void>;
}
