/*
 * What the clusters hold about the resources, kept current by watches so that the API answers
 * from memory and never calls a cluster per request. Per cluster, ClusterWatches keeps the
 * watches (started as the XRDs found ask), ClusterObjects the index of what they reported, and
 * watchHealth.ts how fresh it is: a watch that works keeps its data current; one that fails is
 * reported with the time it last was.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { ResourceRef } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { ClusterClients } from '../cluster/types';
import type { ClusterObjectsOptions, ResourceObjects } from './ClusterObjects';
import { ClusterWatches } from './ClusterWatches';
import { freshnessOf, type ClusterFreshness } from './watchHealth';
import type { RequestableXrd } from './xrds';

export interface ClusterStateCacheOptions extends ClusterObjectsOptions {
  clusters: ClusterClients;
  logger: LoggerService;
  now?: () => number;
}

export class ClusterStateCache {
  private readonly watches = new Map<string, ClusterWatches>();
  private readonly now: () => number;

  constructor(options: ClusterStateCacheOptions) {
    this.now = options.now ?? Date.now;
    for (const name of options.clusters.names()) {
      this.watches.set(
        name,
        new ClusterWatches(
          options.clusters.get(name),
          options,
          options.logger.child({ cluster: name }),
          this.now,
        ),
      );
    }
  }

  /** Resolves once every cluster that answers has been listed (the others are retried). */
  async start(): Promise<void> {
    await Promise.all([...this.watches.values()].map(w => w.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.watches.values()].map(w => w.stop()));
  }

  /** Resolves once every watch started so far has listed once. */
  async whenSynced(): Promise<void> {
    await Promise.all([...this.watches.values()].map(w => w.whenSynced()));
  }

  clusterNames(): string[] {
    return [...this.watches.keys()];
  }

  hasCluster(cluster: string): boolean {
    return this.watches.has(cluster);
  }

  /** The kinds each XRD offers, on one cluster or all. */
  xrds(cluster?: string): RequestableXrd[] {
    const watches = cluster
      ? [this.watches.get(cluster)].filter((w): w is ClusterWatches => !!w)
      : [...this.watches.values()];
    return watches
      .flatMap(w => [...w.objects.xrds.values()])
      .sort((a, b) =>
        `${a.cluster}/${a.group}/${a.kind}`.localeCompare(
          `${b.cluster}/${b.group}/${b.kind}`,
        ),
      );
  }

  /** The XRD that offers a group's kind on a cluster. */
  xrdFor(cluster: string, group: string, kind: string) {
    const watches = this.watches.get(cluster);
    if (!watches) return undefined;
    return [...watches.objects.xrds.values()].find(
      x => x.group === group && x.kind === kind,
    );
  }

  objectsOf(ref: ResourceRef): ResourceObjects | undefined {
    return this.watches.get(ref.cluster)?.objects.objectsOf(ref);
  }

  freshness(cluster: string): ClusterFreshness {
    return this.watches.get(cluster)?.freshness() ?? freshnessOf([], this.now);
  }
}
