/*
 * What the clusters hold about the resources, kept current by watches (src/watchers/Informer.ts)
 * so that the API answers from memory and never calls a cluster per request: per cluster, the
 * XRDs (what may be requested), the claims and namespaced composites the suite manages, claims'
 * composites, managed resources and events. Each answer can say how fresh it is: a watch that
 * works keeps its data current; one that fails is reported with the time it last was.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  apiGroupOf,
  CROSSPLANE_LABELS,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  resourceWorkflowId,
  WORKFLOW_ID_ANNOTATION,
  type ResourceRef,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type {
  ClusterClient,
  ClusterClients,
  ClusterWatching,
  KubeObject,
  ListQuery,
} from '../cluster/types';
import { ClusterRequestError } from '../cluster/errors';
import { Informer, type InformerEvent } from '../watchers/Informer';
import { requestableXrdOf, type RequestableXrd } from './xrds';

/** A Kubernetes event about an object of a resource. */
export interface CachedEvent {
  type: string;
  reason: string;
  message: string;
  count: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  involvedObject: {
    apiVersion?: string;
    kind: string;
    name: string;
    namespace?: string;
  };
}

/** A resource's objects as the cluster last reported them. */
export interface ResourceObjects {
  /** The claim or namespaced composite. */
  resource?: KubeObject;
  /** A claim's composite. */
  composite?: KubeObject;
  managed: KubeObject[];
  /** Newest first. */
  events: CachedEvent[];
}

/** How current a cluster's data is. */
export interface ClusterFreshness {
  /** When the data was last known to be what the cluster holds (now, while every watch works). */
  observedAt: number;
  watching: boolean;
}

export interface ClusterStateCacheOptions {
  clusters: ClusterClients;
  logger: LoggerService;
  /** Told when anything about a resource changed, with the ID of the workflow that owns it. */
  onResourceChange?: (workflowId: string) => void;
  /** Events kept per object. Default 20. */
  eventsPerObject?: number;
  now?: () => number;
}

const XRD_API_VERSIONS = [
  'apiextensions.crossplane.io/v2',
  'apiextensions.crossplane.io/v1',
];
const CRD_API_VERSION = 'apiextensions.k8s.io/v1';
const MAX_RETRY_MS = 30_000;

const objectKey = (o: { metadata: { namespace?: string; name: string } }) =>
  `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** How the cache names a resource: namespace, API group, kind and name. */
export const resourceKey = (r: {
  namespace: string;
  group: string;
  kind: string;
  name: string;
}) => `${r.namespace}/${r.group}/${r.kind}/${r.name}`;

const refKey = (ref: ResourceRef) =>
  resourceKey({ ...ref, group: apiGroupOf(ref.apiVersion) });

/** Whether a watch's requests work now, and when they last did. */
class WatchHealth {
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
function reporting(
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

function eventOf(object: KubeObject): CachedEvent {
  const o = object as any;
  return {
    type: o.type ?? 'Normal',
    reason: o.reason ?? '',
    message: o.message ?? o.note ?? '',
    count: o.count ?? o.series?.count ?? 1,
    firstTimestamp: o.firstTimestamp ?? o.eventTime ?? undefined,
    lastTimestamp:
      o.lastTimestamp ?? o.series?.lastObservedTime ?? o.eventTime ?? undefined,
    involvedObject: {
      apiVersion: o.involvedObject?.apiVersion,
      kind: o.involvedObject?.kind ?? '',
      name: o.involvedObject?.name ?? '',
      namespace: o.involvedObject?.namespace,
    },
  };
}

function addTo(index: Map<string, Set<string>>, key: string, value: string) {
  let values = index.get(key);
  if (!values) index.set(key, (values = new Set()));
  values.add(value);
}

function removeFrom(
  index: Map<string, Set<string>>,
  key: string,
  value: string,
) {
  const values = index.get(key);
  values?.delete(value);
  if (values?.size === 0) index.delete(key);
}

/** One cluster's watches and indexes. */
class ClusterView {
  private readonly informers = new Map<
    string,
    { informer: Informer; health: WatchHealth; started: Promise<void> }
  >();
  readonly xrds = new Map<string, RequestableXrd>();
  /** XRD name → API version → what the XRD offers, as that version reads */
  private readonly xrdViews = new Map<
    string,
    Map<string, RequestableXrd | undefined>
  >();
  /** resourceKey → the claim or namespaced composite */
  private readonly resources = new Map<string, KubeObject>();
  /** `group|kind|name` → a claim's (cluster-scoped) composite */
  private readonly composites = new Map<string, KubeObject>();
  /** `namespace/compositeName` → uid → managed resource */
  private readonly managed = new Map<string, Map<string, KubeObject>>();
  /** involved object uid → events */
  private readonly events = new Map<string, Map<string, CachedEvent>>();
  /** `group|kind` of the objects whose events are kept */
  private readonly trackedKinds = new Set<string>();
  /** `namespace/name` → resource keys, to find a claim from its composite */
  private readonly resourcesByName = new Map<string, Set<string>>();
  /** composite name → composite keys, to find a composite from a managed resource's label */
  private readonly compositesByName = new Map<string, Set<string>>();
  private stopped = false;
  private retry?: NodeJS.Timeout;
  private failures = 0;
  /** Settles once the first lists of what was found so far are in. */
  private synced: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: ClusterClient,
    private readonly options: ClusterStateCacheOptions,
    private readonly logger: LoggerService,
    private readonly now: () => number,
  ) {}

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
        this.onEvent(event),
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
    const watches = [...this.informers.values()].map(i => i.health);
    if (watches.length === 0) return { observedAt: 0, watching: false };
    const watching = watches.every(h => h.healthy);
    return {
      observedAt: watching
        ? this.now()
        : Math.min(...watches.map(h => h.lastSyncAt)),
      watching,
    };
  }

  objectsOf(ref: ResourceRef): ResourceObjects | undefined {
    const resource = this.resources.get(refKey(ref));
    if (!resource) return undefined;
    const composite = this.compositeOf(resource);
    const managedKey = composite
      ? `/${composite.metadata.name}`
      : `${resource.metadata.namespace}/${resource.metadata.name}`;
    const managed = [...(this.managed.get(managedKey)?.values() ?? [])].sort(
      (a, b) =>
        `${a.kind}/${a.metadata.name}`.localeCompare(
          `${b.kind}/${b.metadata.name}`,
        ),
    );
    const events = [resource, composite, ...managed]
      .flatMap(o => [
        ...(this.events.get(o?.metadata.uid ?? '')?.values() ?? []),
      ])
      .sort((a, b) =>
        (b.lastTimestamp ?? '').localeCompare(a.lastTimestamp ?? ''),
      )
      .slice(0, this.options.eventsPerObject ?? 20);
    return { resource, composite, managed, events };
  }

  private compositeOf(resource: KubeObject): KubeObject | undefined {
    const ref = resource.spec?.resourceRef as
      | { apiVersion?: string; kind?: string; name?: string }
      | undefined;
    if (!ref?.apiVersion || !ref.kind || !ref.name) return undefined;
    return this.composites.get(
      `${apiGroupOf(ref.apiVersion)}|${ref.kind}|${ref.name}`,
    );
  }

  // ---- watches -------------------------------------------------------------------------------------

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

  private onXrd({ type, object }: InformerEvent) {
    // Crossplane v2 serves every XRD in both API versions; what one defines is read from the
    // version that says it all (v2 knows namespaced composites), so each XRD is kept once.
    const views = this.xrdViews.get(object.metadata.name) ?? new Map();
    if (type === 'DELETED') views.delete(object.apiVersion);
    else views.set(object.apiVersion, requestableXrdOf(this.name, object));
    if (views.size === 0) this.xrdViews.delete(object.metadata.name);
    else this.xrdViews.set(object.metadata.name, views);
    const xrd = XRD_API_VERSIONS.map(v => views.get(v)).find(Boolean);
    if (!xrd) {
      this.xrds.delete(object.metadata.name);
      return;
    }
    this.xrds.set(xrd.name, xrd);
    this.trackedKinds.add(`${xrd.group}|${xrd.kind}`);
    if (xrd.compositeKind)
      this.trackedKinds.add(`${xrd.group}|${xrd.compositeKind}`);
    const start = (query: ListQuery, on: (e: InformerEvent) => void) =>
      this.watch(query, on).catch(error =>
        this.logger.warn('could not watch a kind for the API cache', {
          cluster: this.name,
          kind: query.kind,
          error: String(error),
        }),
      );
    void start(
      {
        apiVersion: xrd.apiVersion,
        kind: xrd.kind,
        labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
      },
      event => this.onResource(xrd, event),
    );
    if (xrd.compositeKind)
      void start(
        { apiVersion: xrd.apiVersion, kind: xrd.compositeKind },
        event => this.onComposite(event),
      );
  }

  private onCrd({ type, object }: InformerEvent) {
    const spec = object.spec ?? {};
    if (type === 'DELETED') return;
    if (!(spec.names?.categories ?? []).includes('managed')) return;
    const versions: any[] = (spec.versions ?? []).filter(
      (v: any) => v.served !== false,
    );
    const version = versions.find(v => v.storage) ?? versions[0];
    if (!version) return;
    this.trackedKinds.add(`${spec.group}|${spec.names.kind}`);
    void this.watch(
      { apiVersion: `${spec.group}/${version.name}`, kind: spec.names.kind },
      event => this.onManaged(event),
    ).catch(error =>
      this.logger.warn('could not watch managed resources for the API cache', {
        cluster: this.name,
        kind: spec.names.kind,
        error: String(error),
      }),
    );
  }

  /** The workflow an object's annotation names, when it is the one computed from the object. */
  private trustedWorkflowId(xrd: RequestableXrd, object: KubeObject) {
    if (!object.metadata.namespace) return undefined;
    const id = resourceWorkflowId({
      cluster: this.name,
      apiVersion: xrd.apiVersion,
      kind: xrd.kind,
      namespace: object.metadata.namespace,
      name: object.metadata.name,
    });
    return object.metadata.annotations?.[WORKFLOW_ID_ANNOTATION] === id
      ? id
      : undefined;
  }

  private onResource(xrd: RequestableXrd, { type, object }: InformerEvent) {
    const workflowId = this.trustedWorkflowId(xrd, object);
    if (!workflowId) return;
    const key = resourceKey({
      namespace: object.metadata.namespace!,
      group: xrd.group,
      kind: xrd.kind,
      name: object.metadata.name,
    });
    const byName = `${object.metadata.namespace}/${object.metadata.name}`;
    if (type === 'DELETED') {
      this.resources.delete(key);
      removeFrom(this.resourcesByName, byName, key);
      this.events.delete(object.metadata.uid ?? '');
    } else {
      this.resources.set(key, object);
      addTo(this.resourcesByName, byName, key);
    }
    this.options.onResourceChange?.(workflowId);
  }

  private onComposite({ type, object }: InformerEvent) {
    const key = `${apiGroupOf(object.apiVersion)}|${object.kind}|${
      object.metadata.name
    }`;
    if (type === 'DELETED') {
      this.composites.delete(key);
      removeFrom(this.compositesByName, object.metadata.name, key);
      this.events.delete(object.metadata.uid ?? '');
    } else {
      this.composites.set(key, object);
      addTo(this.compositesByName, object.metadata.name, key);
    }
    this.notifyOwnerOfComposite(object);
  }

  private onManaged({ type, object }: InformerEvent) {
    const composite = object.metadata.labels?.[CROSSPLANE_LABELS.composite];
    if (!composite) return;
    const key = `${object.metadata.namespace ?? ''}/${composite}`;
    const uid = object.metadata.uid ?? objectKey(object);
    let byUid = this.managed.get(key);
    if (type === 'DELETED') {
      byUid?.delete(uid);
      if (byUid?.size === 0) this.managed.delete(key);
      this.events.delete(uid);
    } else {
      if (!byUid) this.managed.set(key, (byUid = new Map()));
      byUid.set(uid, object);
    }
    if (object.metadata.namespace) {
      // A v2 namespaced composite's managed resources: the composite is the resource.
      this.notifyOwnerOf(object.metadata.namespace, composite);
    } else {
      for (const compositeKey of this.compositesByName.get(composite) ?? []) {
        const xr = this.composites.get(compositeKey);
        if (xr) this.notifyOwnerOfComposite(xr);
      }
    }
  }

  private onEvent({ type, object }: InformerEvent) {
    const uid = (object as any).involvedObject?.uid as string | undefined;
    if (!uid) return;
    const key = object.metadata.uid ?? objectKey(object);
    if (type === 'DELETED') {
      const events = this.events.get(uid);
      events?.delete(key);
      if (events?.size === 0) this.events.delete(uid);
      return;
    }
    // Only events about the kinds the suite's resources are made of are kept.
    const involved = (object as any).involvedObject ?? {};
    if (
      !this.trackedKinds.has(
        `${apiGroupOf(involved.apiVersion ?? '')}|${involved.kind}`,
      )
    )
      return;
    let events = this.events.get(uid);
    if (!events) this.events.set(uid, (events = new Map()));
    events.set(key, eventOf(object));
    const max = this.options.eventsPerObject ?? 20;
    if (events.size > max) {
      const oldest = [...events.entries()].sort((a, b) =>
        (a[1].lastTimestamp ?? '').localeCompare(b[1].lastTimestamp ?? ''),
      )[0][0];
      events.delete(oldest);
    }
  }

  private notifyOwnerOfComposite(composite: KubeObject) {
    const claim = composite.spec?.claimRef as
      | { namespace?: string; name?: string }
      | undefined;
    const namespace =
      claim?.namespace ??
      composite.metadata.labels?.[CROSSPLANE_LABELS.claimNamespace];
    const name =
      claim?.name ?? composite.metadata.labels?.[CROSSPLANE_LABELS.claimName];
    if (namespace && name) this.notifyOwnerOf(namespace, name);
  }

  private notifyOwnerOf(namespace: string, name: string) {
    for (const key of this.resourcesByName.get(`${namespace}/${name}`) ?? []) {
      const id =
        this.resources.get(key)?.metadata.annotations?.[WORKFLOW_ID_ANNOTATION];
      if (id) this.options.onResourceChange?.(id);
    }
  }
}

export class ClusterStateCache {
  private readonly views = new Map<string, ClusterView>();
  private readonly now: () => number;

  constructor(options: ClusterStateCacheOptions) {
    this.now = options.now ?? Date.now;
    for (const name of options.clusters.names()) {
      this.views.set(
        name,
        new ClusterView(
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
    await Promise.all([...this.views.values()].map(v => v.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.views.values()].map(v => v.stop()));
  }

  /** Resolves once every watch started so far has listed once. */
  async whenSynced(): Promise<void> {
    await Promise.all([...this.views.values()].map(v => v.whenSynced()));
  }

  clusterNames(): string[] {
    return [...this.views.keys()];
  }

  /** The kinds each XRD offers, on one cluster or all. */
  xrds(cluster?: string): RequestableXrd[] {
    const views = cluster
      ? [this.views.get(cluster)].filter((v): v is ClusterView => !!v)
      : [...this.views.values()];
    return views
      .flatMap(v => [...v.xrds.values()])
      .sort((a, b) =>
        `${a.cluster}/${a.group}/${a.kind}`.localeCompare(
          `${b.cluster}/${b.group}/${b.kind}`,
        ),
      );
  }

  /** The XRD that offers a group's kind on a cluster. */
  xrdFor(cluster: string, group: string, kind: string) {
    const view = this.views.get(cluster);
    if (!view) return undefined;
    return [...view.xrds.values()].find(
      x => x.group === group && x.kind === kind,
    );
  }

  objectsOf(ref: ResourceRef): ResourceObjects | undefined {
    return this.views.get(ref.cluster)?.objectsOf(ref);
  }

  freshness(cluster: string): ClusterFreshness {
    return (
      this.views.get(cluster)?.freshness() ?? { observedAt: 0, watching: false }
    );
  }

  hasCluster(cluster: string): boolean {
    return this.views.has(cluster);
  }
}
