/*
 * How fresh a cluster's cached data is, from how its watches' requests go: while every watch
 * works the data is current; once one fails, the data is as old as that watch's last success.
 */
import type { ClusterWatching } from '../cluster/types';

/** How current a cluster's data is. */
export interface ClusterFreshness {
  /** When the data was last known to be what the cluster holds (now, while every watch works). */
  observedAt: number;
  watching: boolean;
}

/** Whether a watch's requests work now, and when they last did. */
export class WatchHealth {
  healthy = false;
  lastSyncAt = 0;
  constructor(private readonly now: () => number) {}
  ok() {
    this.healthy = true;
    this.lastSyncAt = this.now();
  }
  failed() {
    this.healthy = false;
  }
}

/** The client an informer watches through, reporting to `health` how its requests go. */
export function reporting(
  client: ClusterWatching,
  health: WatchHealth,
): ClusterWatching {
  return {
    async listWithVersion(query, options) {
      try {
        const result = await client.listWithVersion(query, options);
        health.ok();
        return result;
      } catch (error) {
        health.failed();
        throw error;
      }
    },
    async watch(query, onEvent, signal) {
      try {
        await client.watch(
          query,
          event => {
            health.ok();
            onEvent(event);
          },
          signal,
        );
      } catch (error) {
        health.failed();
        throw error;
      }
    },
  };
}

/** A cluster's freshness from its watches' health; with no watch, never observed. */
export function freshnessOf(
  watches: readonly WatchHealth[],
  now: () => number,
): ClusterFreshness {
  if (watches.length === 0) return { observedAt: 0, watching: false };
  const watching = watches.every(h => h.healthy);
  return {
    observedAt: watching ? now() : Math.min(...watches.map(h => h.lastSyncAt)),
    watching,
  };
}
