/*
 * One cluster's watches for the API cache (src/watchers/Informer.ts): the XRDs, CRDs and events
 * at start, and as XRDs and managed-resource CRDs appear, the kinds they define. Their news goes
 * into the cluster's ClusterObjects. A cluster that cannot be watched at start is tried again in
 * the background, as the worker's watchers do.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { ClusterRequestError } from '../cluster/errors';
import type { ClusterClient, ListQuery } from '../cluster/types';
import { Informer, type InformerEvent } from '../watchers/Informer';
import { ClusterObjects, type ClusterObjectsOptions } from './ClusterObjects';
import {
  freshnessOf,
  reporting,
  WatchHealth,
  type ClusterFreshness,
} from './watchHealth';
import { XRD_API_VERSIONS } from './xrds';

const CRD_API_VERSION = 'apiextensions.k8s.io/v1';
const MAX_RETRY_MS = 30_000;

/** The served version and kind of a CRD of managed resources; undefined for any other CRD. */
function managedKindOf({ type, object }: InformerEvent) {
  const spec = object.spec ?? {};
  if (type === 'DELETED') return undefined;
  if (!(spec.names?.categories ?? []).includes('managed')) return undefined;
  const versions: any[] = (spec.versions ?? []).filter(
    (v: any) => v.served !== false,
  );
  const version = versions.find(v => v.storage) ?? versions[0];
  if (!version) return undefined;
  return {
    group: spec.group as string,
    version: version.name as string,
    kind: spec.names.kind as string,
  };
}

export class ClusterWatches {
  readonly objects: ClusterObjects;
  /** `apiVersion|kind` → its informer: one watch per kind */
  private readonly informers = new Map<
    string,
    { informer: Informer; health: WatchHealth; started: Promise<void> }
  >();
  private stopped = false;
  private retry?: NodeJS.Timeout;
  private failures = 0;
  /** Settles once the first lists of what was found so far are in. */
  private synced: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: ClusterClient,
    options: ClusterObjectsOptions,
    private readonly logger: LoggerService,
    private readonly now: () => number,
  ) {
    this.objects = new ClusterObjects(client.name, options);
  }

  get name() {
    return this.client.name;
  }

  async start(): Promise<void> {
    const starts = [
      ...XRD_API_VERSIONS.map(apiVersion =>
        this.watch(
          { apiVersion, kind: 'CompositeResourceDefinition' },
          event => this.onXrd(event),
          // A cluster with Crossplane v1 only does not serve the v2 API.
          { optional: true },
        ),
      ),
      this.watch(
        { apiVersion: CRD_API_VERSION, kind: 'CustomResourceDefinition' },
        event => this.onCrd(event),
      ),
      this.watch({ apiVersion: 'v1', kind: 'Event' }, event =>
        this.objects.events.changed(event),
      ),
    ];
    const results = await Promise.allSettled(starts);
    const failed = results.find(r => r.status === 'rejected');
    if (failed && !this.stopped) {
      // Unreachable or refused: look again later, as the worker's watchers do.
      this.failures += 1;
      const delay = Math.min(MAX_RETRY_MS, 1_000 * 2 ** (this.failures - 1));
      this.logger.warn(
        'could not watch the cluster for the API cache; trying again',
        {
          cluster: this.name,
          error: String((failed as PromiseRejectedResult).reason),
          retryInMs: delay,
        },
      );
      this.retry = setTimeout(() => void this.start(), delay);
      this.retry.unref();
      return;
    }
    await this.whenSynced();
  }

  /** Resolves once every informer started so far has listed once. */
  async whenSynced(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.synced;
      await seen;
    } while (seen !== this.synced);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    await Promise.all([...this.informers.values()].map(i => i.informer.stop()));
  }

  freshness(): ClusterFreshness {
    return freshnessOf(
      [...this.informers.values()].map(i => i.health),
      this.now,
    );
  }

  /** Starts watching a kind, once; resolves when its first list is in. */
  private watch(
    query: ListQuery,
    onEvent: (event: InformerEvent) => void,
    { optional = false } = {},
  ): Promise<void> {
    const key = `${query.apiVersion}|${query.kind}`;
    const existing = this.informers.get(key);
    if (existing) return existing.started;
    const health = new WatchHealth(this.now);
    const informer = new Informer(
      reporting(this.client, health),
      query,
      onEvent,
      this.logger,
    );
    const started = informer.start().catch(error => {
      this.informers.delete(key);
      if (
        optional &&
        error instanceof ClusterRequestError &&
        error.reason === 'NotFound'
      )
        return;
      throw error;
    });
    this.informers.set(key, { informer, health, started });
    const previous = this.synced;
    this.synced = Promise.all([previous, started.catch(() => {})]).then(
      () => {},
    );
    return started;
  }

  /** Watches started as the cluster's news asks: their failure is logged, not thrown. */
  private watchLater(
    what: string,
    query: ListQuery,
    onEvent: (event: InformerEvent) => void,
  ) {
    void this.watch(query, onEvent).catch(error =>
      this.logger.warn(`could not watch ${what} for the API cache`, {
        cluster: this.name,
        kind: query.kind,
        error: String(error),
      }),
    );
  }

  /** An XRD's kinds are watched once it offers them: the suite's resources, claims' composites. */
  private onXrd(event: InformerEvent) {
    const xrd = this.objects.xrdChanged(event);
    if (!xrd) return;
    this.watchLater(
      'a kind',
      {
        apiVersion: xrd.apiVersion,
        kind: xrd.kind,
        labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
      },
      e => this.objects.resourceChanged(xrd, e),
    );
    if (xrd.compositeKind)
      this.watchLater(
        'a kind',
        { apiVersion: xrd.apiVersion, kind: xrd.compositeKind },
        e => this.objects.compositeChanged(e),
      );
  }

  private onCrd(event: InformerEvent) {
    const managed = managedKindOf(event);
    if (!managed) return;
    this.objects.events.track(managed.group, managed.kind);
    this.watchLater(
      'managed resources',
      { apiVersion: `${managed.group}/${managed.version}`, kind: managed.kind },
      e => this.objects.managedChanged(e),
    );
  }
}
