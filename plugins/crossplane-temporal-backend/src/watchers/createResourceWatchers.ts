/*
 * Watchers turn what Crossplane reports into signals for the workflows: per cluster, informers on
 * the claims and namespaced composites the suite manages, on claims' composites, and on managed
 * resources. Each change is traced to the workflow that owns it, through the workflow-ID
 * annotation, `spec.claimRef` and the `crossplane.io/composite` label, from the caches.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  CROSSPLANE_LABELS,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  WORKFLOW_ID_ANNOTATION,
  type Condition,
  type ObservedObjectEvent,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { ClusterRequestError } from '../cluster/errors';
import type {
  ClusterClient,
  ClusterClients,
  KubeObject,
} from '../cluster/types';
import { conditionsOf } from '../crossplane/conditions';
import { isOutsider } from '../crossplane/fieldManagers';
import { backoffDelayMs, type Backoff } from '../lib/backoff';
import { DeliveryQueue } from './DeliveryQueue';
import { Informer, type InformerEvent } from './Informer';

export interface ResourceWatchersOptions {
  clusters: ClusterClients;
  logger: LoggerService;
  onEvent(workflowId: string, event: ObservedObjectEvent): Promise<void>;
  /** How often to look for new XRDs and managed resource kinds. Default 30 s. */
  rediscoverMs?: number;
  /** Signals in flight at once, over all clusters. Default 16. */
  deliveryConcurrency?: number;
  /**
   * How long to wait before looking again at a cluster whose kinds could not be discovered at
   * start (unreachable, credentials refused). Default: 1 s, doubling up to 30 s.
   */
  discoveryBackoff?: Backoff;
}

const DEFAULT_DISCOVERY_BACKOFF: Backoff = { initialMs: 1_000, maxMs: 30_000 };

interface Kinds {
  /** v1 claims and v2 namespaced composites: what the workflows apply. */
  resources: Array<{ apiVersion: string; kind: string }>;
  /** v1 cluster-scoped composites of claims. */
  composites: Array<{ apiVersion: string; kind: string }>;
  managed: Array<{ apiVersion: string; kind: string }>;
}

/** Who last changed the spec, from managedFields: the newest entry that owns a spec field. */
export function lastSpecManager(object: KubeObject): string | undefined {
  let newest: { manager?: string; time?: string } | undefined;
  for (const entry of object.metadata.managedFields ?? []) {
    const fields = entry.fieldsV1 as Record<string, unknown> | undefined;
    if (!fields || !('f:spec' in fields)) continue;
    if (!newest || (entry.time ?? '') >= (newest.time ?? '')) newest = entry;
  }
  return newest?.manager;
}

/** Read from an object once per event: compared with what was last sent, and sent. */
interface Observed {
  conditions: Condition[];
  lastSpecManager: string | undefined;
}

/** A composite's failures: all a workflow hears of its conditions (readiness shows on the claim). */
const syncFailures = (conditions: Condition[]) =>
  conditions.filter(c => c.type === 'Synced' && c.status === 'False');

/**
 * What a workflow acts on in an object. For claims, namespaced composites and managed resources:
 * their spec's generation, deletion, conditions and who last changed their spec. For a claim's
 * composite, not its readiness (that shows on the claim) but its deletion, its failures and
 * changes to its spec by someone other than Crossplane (drift). A change to anything else (status
 * details, resource references, labels) is not worth a signal: workflow tasks are what a busy
 * worker runs short of.
 */
function significant(
  role: ObservedObjectEvent['role'],
  object: KubeObject,
  observed: Observed,
): string {
  const conditions = observed.conditions.map(
    ({ lastTransitionTime: _, ...c }) => c,
  );
  const manager = observed.lastSpecManager;
  if (role === 'composite') {
    return JSON.stringify([
      object.metadata.deletionTimestamp,
      syncFailures(conditions),
      // Crossplane changes a composite's spec as it works; only someone else's change is news,
      // and so is Crossplane's taking it back.
      isOutsider(manager) ? [object.metadata.generation, manager] : undefined,
    ]);
  }
  return JSON.stringify([
    object.metadata.generation,
    object.metadata.deletionTimestamp,
    conditions,
    manager,
  ]);
}

/**
 * An object seen for the first time that has nothing to say yet: no conditions (Crossplane has
 * not reported on it), not being deleted, and (for a composite) no failure. The change that gives
 * it something to say is sent.
 */
function quiet(
  role: ObservedObjectEvent['role'],
  object: KubeObject,
  { conditions }: Observed,
): boolean {
  if (object.metadata.deletionTimestamp) return false;
  if (role === 'composite') return syncFailures(conditions).length === 0;
  return conditions.length === 0;
}

async function discoverKinds(
  client: ClusterClient,
  signal: AbortSignal,
): Promise<Kinds> {
  const kinds: Kinds = { resources: [], composites: [], managed: [] };
  for (const apiVersion of [
    'apiextensions.crossplane.io/v2',
    'apiextensions.crossplane.io/v1',
  ]) {
    const xrds = await client
      .list({ apiVersion, kind: 'CompositeResourceDefinition' }, { signal })
      .catch(() => []);
    for (const xrd of xrds) {
      const spec = xrd.spec ?? {};
      for (const version of (spec.versions ?? []).filter(
        (v: any) => v.served !== false,
      )) {
        const gv = `${spec.group}/${version.name}`;
        if (xrd.apiVersion.endsWith('/v2')) {
          if (spec.scope !== 'Cluster')
            kinds.resources.push({ apiVersion: gv, kind: spec.names.kind });
        } else {
          if (spec.claimNames?.kind)
            kinds.resources.push({
              apiVersion: gv,
              kind: spec.claimNames.kind,
            });
          kinds.composites.push({ apiVersion: gv, kind: spec.names.kind });
        }
      }
    }
  }
  const crds = await client.list(
    { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' },
    { signal },
  );
  for (const crd of crds) {
    if (!(crd.spec?.names?.categories ?? []).includes('managed')) continue;
    for (const version of (crd.spec?.versions ?? []).filter(
      (v: any) => v.served !== false,
    )) {
      kinds.managed.push({
        apiVersion: `${crd.spec!.group}/${version.name}`,
        kind: crd.spec!.names.kind,
      });
    }
  }
  return kinds;
}

/** The informers and ownership lookups of one cluster. */
class ClusterWatcher {
  private readonly informers = new Map<string, Informer>();
  /**
   * What was last sent about each object (by role and uid), and to which workflow: to skip
   * changes that add nothing, and to still find the workflow once what an object is traced
   * through is gone (a claim's parts are deleted after it).
   */
  private readonly lastSent = new Map<
    string,
    { workflowId: string; significant: string }
  >();
  private readonly resourceInformers: Informer[] = [];
  private readonly compositeInformers = new Map<string, Informer>();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** Aborts the discovery requests in flight when the watcher stops. */
  private readonly stopping = new AbortController();

  constructor(
    private readonly client: ClusterClient,
    private readonly options: ResourceWatchersOptions,
    private readonly deliveries: DeliveryQueue,
    private readonly logger: LoggerService,
  ) {}

  /**
   * Resolves once the cluster is watched, or once its first discovery failed: then it is tried
   * again in the background, with backoff, until it answers or the watcher stops. One cluster
   * that cannot be reached leaves the others watched and the workflows running; they read what
   * they wait for every so often meanwhile.
   */
  async start(): Promise<void> {
    await this.startWatching(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    if (this.timer) clearTimeout(this.timer);
    await Promise.all([...this.informers.values()].map(i => i.stop()));
  }

  /** @param failures - discoveries that failed in a row before this one */
  private async startWatching(failures: number): Promise<void> {
    try {
      await this.discover();
    } catch (error) {
      if (this.stopped) return;
      const retryInMs = backoffDelayMs(
        this.options.discoveryBackoff ?? DEFAULT_DISCOVERY_BACKOFF,
        failures + 1,
      );
      this.logger.warn(
        'could not discover what to watch in the cluster; trying again',
        {
          cluster: this.client.name,
          error: String(error),
          reason:
            error instanceof ClusterRequestError ? error.reason : undefined,
          failures: failures + 1,
          retryInMs,
        },
      );
      this.after(retryInMs, () => this.startWatching(failures + 1));
      return;
    }
    if (failures > 0)
      this.logger.info('the cluster answers again; watching it', {
        cluster: this.client.name,
        failures,
      });
    this.keepRediscovering();
  }

  /** Looks for new kinds every `rediscoverMs` (new XRDs, providers), until the watcher stops. */
  private keepRediscovering(): void {
    this.after(this.options.rediscoverMs ?? 30_000, async () => {
      await this.discover().catch(error => {
        if (!this.stopped)
          this.logger.warn('could not look for new kinds', {
            error: String(error),
          });
      });
      this.keepRediscovering();
    });
  }

  /** Runs `next` after `ms`, unless the watcher stops first. */
  private after(ms: number, next: () => Promise<void>): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void next(), ms);
    this.timer.unref();
  }

  private async discover(): Promise<void> {
    const kinds = await discoverKinds(this.client, this.stopping.signal);
    const starts: Promise<void>[] = [];
    const add = (
      role: ObservedObjectEvent['role'],
      kind: { apiVersion: string; kind: string },
    ) => {
      const key = `${role}|${kind.apiVersion}|${kind.kind}`;
      if (this.informers.has(key) || this.stopped) return;
      const query =
        role === 'resource'
          ? {
              ...kind,
              labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
            }
          : kind;
      const informer = new Informer(
        this.client,
        query,
        event => this.observe(role, event),
        this.logger,
      );
      this.informers.set(key, informer);
      if (role === 'resource') this.resourceInformers.push(informer);
      if (role === 'composite' || role === 'resource')
        this.compositeInformers.set(
          `${kind.apiVersion.split('/')[0]}|${kind.kind}`,
          informer,
        );
      starts.push(
        informer.start().catch(error => {
          this.informers.delete(key);
          this.logger.warn('could not start watching', {
            kind: kind.kind,
            error: String(error),
          });
        }),
      );
    };
    kinds.resources.forEach(k => add('resource', k));
    kinds.composites.forEach(k => add('composite', k));
    kinds.managed.forEach(k => add('managed', k));
    await Promise.all(starts);
  }

  /** The workflow that owns an object, or undefined when the suite does not manage it. */
  private ownerOf(
    role: ObservedObjectEvent['role'],
    object: KubeObject,
  ): string | undefined {
    if (role === 'resource')
      return object.metadata.annotations?.[WORKFLOW_ID_ANNOTATION];
    if (role === 'composite') return this.claimOwner(object);
    const compositeName = object.metadata.labels?.[CROSSPLANE_LABELS.composite];
    if (!compositeName) return undefined;
    const owners = (object.metadata.ownerReferences ?? []) as Array<{
      apiVersion?: string;
      kind?: string;
      controller?: boolean;
    }>;
    const owner = owners.find(r => r.controller);
    const composite =
      owner?.apiVersion && owner.kind
        ? this.compositeInformers
            .get(`${owner.apiVersion.split('/')[0]}|${owner.kind}`)
            ?.get(object.metadata.namespace, compositeName)
        : undefined;
    if (!composite) return undefined;
    return (
      composite.metadata.annotations?.[WORKFLOW_ID_ANNOTATION] ??
      this.claimOwner(composite)
    );
  }

  private claimOwner(composite: KubeObject): string | undefined {
    const ref = composite.spec?.claimRef as
      | { name?: string; namespace?: string }
      | undefined;
    const name =
      ref?.name ?? composite.metadata.labels?.[CROSSPLANE_LABELS.claimName];
    const namespace =
      ref?.namespace ??
      composite.metadata.labels?.[CROSSPLANE_LABELS.claimNamespace];
    if (!name || !namespace) return undefined;
    for (const informer of this.resourceInformers) {
      const claim = informer.get(namespace, name);
      if (claim) return claim.metadata.annotations?.[WORKFLOW_ID_ANNOTATION];
    }
    return undefined;
  }

  private observe(
    role: ObservedObjectEvent['role'],
    { type, object, fromList }: InformerEvent,
  ): void {
    const key = `${role}|${object.metadata.uid}`;
    const sent = this.lastSent.get(key);
    const workflowId = this.ownerOf(role, object) ?? sent?.workflowId;
    if (!workflowId) return;
    // Compared with what was last sent, not with the previous version: an event can go unsent
    // because its owner was not in the caches yet, and the next one must then still go.
    const observed: Observed = {
      conditions: conditionsOf(object),
      lastSpecManager: lastSpecManager(object),
    };
    if (type === 'DELETED') this.lastSent.delete(key);
    else {
      const now = significant(role, object, observed);
      const unchanged = sent
        ? sent.significant === now && sent.workflowId === workflowId
        : quiet(role, object, observed);
      this.lastSent.set(key, { workflowId, significant: now });
      if (unchanged) return;
    }
    const event: ObservedObjectEvent = {
      role,
      type,
      apiVersion: object.apiVersion,
      kind: object.kind,
      namespace: object.metadata.namespace,
      name: object.metadata.name,
      uid: object.metadata.uid ?? '',
      resourceVersion: object.metadata.resourceVersion ?? '',
      generation: object.metadata.generation,
      ...observed,
      observedAt: new Date().toISOString(),
    };
    this.deliveries.push({ key, workflowId, event, fromList });
  }
}

export function createResourceWatchers(options: ResourceWatchersOptions) {
  const deliveries = new DeliveryQueue({
    deliver: options.onEvent,
    logger: options.logger,
    concurrency: options.deliveryConcurrency,
  });
  const watchers = options.clusters
    .names()
    .map(
      name =>
        new ClusterWatcher(
          options.clusters.get(name),
          options,
          deliveries,
          options.logger.child({ cluster: name }),
        ),
    );
  return {
    async start() {
      await Promise.all(watchers.map(w => w.start()));
    },
    async stop() {
      await Promise.all(watchers.map(w => w.stop()));
      await deliveries.stop();
    },
  };
}
