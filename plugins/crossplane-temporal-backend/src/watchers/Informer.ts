/*
 * List, then watch from the list's resourceVersion, keeping a cache of the objects: a dropped
 * watch resumes from the last resourceVersion seen; a version the server no longer has (410 Gone)
 * means listing again and reporting what changed meanwhile.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  ClusterWatching,
  KubeObject,
  ListQuery,
  WatchEvent,
} from '../cluster/types';
import { backoffDelayMs, pause, type Backoff } from '../lib/backoff';

export type InformerEvent = {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  /** Found by a list (the first, or one after the watch's version expired), not by the watch. */
  fromList: boolean;
};

const keyOf = (o: KubeObject) =>
  `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
/** Between a failed watch and the next try: 0.5 s, doubling up to 30 s. */
const WATCH_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000 };

export class Informer {
  private readonly cache = new Map<string, KubeObject>();
  private resourceVersion?: string;
  private readonly abort = new AbortController();
  private running?: Promise<void>;

  constructor(
    private readonly client: ClusterWatching,
    private readonly query: ListQuery,
    private readonly onEvent: (event: InformerEvent) => void,
    private readonly logger: LoggerService,
  ) {}

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.cache.get(`${namespace ?? ''}/${name}`);
  }

  /** Resolves once the first list is in the cache; keeps watching until stop(). */
  async start(): Promise<void> {
    await this.relist();
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private emit(event: InformerEvent) {
    try {
      this.onEvent(event);
    } catch (error) {
      this.logger.warn('watch event handler failed', {
        kind: this.query.kind,
        error: String(error),
      });
    }
  }

  private async relist(): Promise<void> {
    const { items, resourceVersion } = await this.client.listWithVersion(
      this.query,
      { signal: this.abort.signal },
    );
    const seen = new Set<string>();
    for (const item of items) {
      const key = keyOf(item);
      seen.add(key);
      const previous = this.cache.get(key);
      this.cache.set(key, item);
      if (!previous) this.emit({ type: 'ADDED', object: item, fromList: true });
      else if (
        previous.metadata.resourceVersion !== item.metadata.resourceVersion
      )
        this.emit({ type: 'MODIFIED', object: item, fromList: true });
    }
    for (const [key, object] of this.cache) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.emit({ type: 'DELETED', object, fromList: true });
      }
    }
    this.resourceVersion = resourceVersion;
  }

  private handle(event: WatchEvent): 'gone' | undefined {
    if (event.type === 'ERROR') {
      return event.object.code === 410 ? 'gone' : undefined;
    }
    const rv = event.object.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (event.type === 'BOOKMARK') return undefined;
    const object = {
      ...event.object,
      apiVersion: this.query.apiVersion,
      kind: this.query.kind,
    };
    if (event.type === 'DELETED') this.cache.delete(keyOf(object));
    else this.cache.set(keyOf(object), object);
    this.emit({ type: event.type, object, fromList: false });
    return undefined;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.abort.signal.aborted) {
      try {
        let gone = false;
        await this.client.watch(
          { ...this.query, resourceVersion: this.resourceVersion },
          event => {
            if (this.handle(event) === 'gone') gone = true;
          },
          this.abort.signal,
        );
        if (gone && !this.abort.signal.aborted) await this.relist();
        failures = 0;
      } catch (error) {
        if (this.abort.signal.aborted) return;
        failures++;
        const delay = backoffDelayMs(WATCH_BACKOFF, failures);
        this.logger.warn('watch failed; retrying', {
          kind: this.query.kind,
          retryInMs: delay,
          error: String(error),
        });
        await pause(delay, this.abort.signal);
        // After a failure the version may be gone too: list again to be sure nothing was missed.
        if (!this.abort.signal.aborted)
          await this.relist().catch(() => undefined);
      }
    }
  }
}
