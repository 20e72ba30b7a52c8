/*
 * A simulated Crossplane provider: it "creates" managed resources in a pretend cloud after a
 * delay, reports their conditions as a real provider does, writes their connection secrets, and
 * fails the ones that failure rules pick, with the rule's message. A failed resource is tried
 * again with backoff, as the managed reconciler requeues errors, so it recovers once the rule
 * that failed it is gone.
 */
import crypto from 'node:crypto';
import { recordUpdate } from '../apply/managedFields';
import type { Log } from '../logger';
import { EventRecorder } from '../controllers/EventRecorder';
import type { ObjectStore } from '../store/ObjectStore';
import { SECRET_TYPE } from '../store/ResourceRegistry';
import type { KubeObject, ResourceType } from '../store/types';
import { setCondition } from './conditions';

export const PROVIDER_MANAGER = 'provider-sim';
export const MANAGED_FINALIZER = 'finalizer.managedresource.crossplane.io';

/** @public */
export interface FailureRule {
  /** Regular expression matched against the managed resource's name. */
  namePattern?: string;
  /** Kind of managed resource, e.g. `DatabaseInstance`. */
  kind?: string;
  /**
   * Regular expression matched against the managed resource's spec as JSON, e.g.
   * `"instanceClass":"db.r5.xlarge"`: what the provider refuses to create.
   */
  specPattern?: string;
  /** Fraction of matching resources that fail (default 1). */
  probability?: number;
  message: string;
}

/**
 * Something the simulated provider created in the pretend cloud.
 *
 * @public
 */
export interface ExternalResource {
  id: string;
  kind: string;
  /** The managed resource that created it. */
  managedResource: string;
  namespace?: string;
  createdAt: string;
}

/** @public */
export interface ProviderSettings {
  delayMs?: number;
  failures?: FailureRule[];
  /**
   * While true, the provider acts on nothing (a provider that is down, or slower than anything a
   * test waits for); once false again, it acts on everything it held, after its delay.
   */
  held?: boolean;
}

/** The longest pause between tries of a failed resource. */
const MAX_RETRY_DELAY_MS = 5_000;

export class SimulatedProvider {
  private delayMs: number;
  private failures: FailureRule[] = [];
  /** What changed while the provider was held, by resource, to act on once it is not. */
  private held?: Map<string, () => void>;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pending = new Set<string>();
  /** Failed tries in a row, by resource, for the backoff before the next. */
  private readonly failedTries = new Map<string, number>();

  private readonly events: EventRecorder;
  /** The pretend cloud: what the provider created, by external ID (in memory only). */
  private readonly cloud = new Map<string, ExternalResource>();

  constructor(
    private readonly store: ObjectStore,
    private readonly log: Log,
    delayMs: number,
  ) {
    this.delayMs = delayMs;
    this.events = new EventRecorder(store, 'managed/provider-sim');
  }

  configure(settings: ProviderSettings): void {
    if (settings.delayMs !== undefined) this.delayMs = settings.delayMs;
    if (settings.failures !== undefined) this.failures = settings.failures;
    if (settings.held && !this.held) this.held = new Map();
    if (settings.held === false && this.held) {
      const waiting = [...this.held.values()];
      this.held = undefined;
      for (const act of waiting) act();
    }
  }

  /** What exists in the pretend cloud, including what orphaned managed resources left behind. */
  externalResources(): ExternalResource[] {
    return [...this.cloud.values()];
  }

  settings(): ProviderSettings {
    return {
      delayMs: this.delayMs,
      failures: this.failures,
      held: Boolean(this.held),
    };
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** Called on every change to a managed resource. */
  observe(type: ResourceType, object: KubeObject): void {
    const status = (object as any).status ?? {};
    const synced = (status.conditions ?? []).find(
      (c: any) => c.type === 'Synced',
    );
    const upToDate =
      synced && synced.observedGeneration === object.metadata.generation;
    const deleting = Boolean(object.metadata.deletionTimestamp);
    if (upToDate && !deleting) return;
    this.schedule(type, object, this.delayMs);
  }

  private keyOf(type: ResourceType, object: KubeObject): string {
    return `${type.plural}/${object.metadata.namespace ?? ''}/${
      object.metadata.name
    }`;
  }

  /** Reconciles the resource after `delayMs`, unless a reconcile of it is already due. */
  private schedule(type: ResourceType, object: KubeObject, delayMs: number) {
    const key = this.keyOf(type, object);
    if (this.held) {
      this.held.set(key, () => this.schedule(type, object, delayMs));
      return;
    }
    if (this.pending.has(key)) return;
    this.pending.add(key);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.pending.delete(key);
      // Held since this was scheduled: it waits with the rest.
      if (this.held) {
        this.schedule(type, object, delayMs);
        return;
      }
      try {
        this.reconcile(type, object.metadata.namespace, object.metadata.name);
      } catch (error) {
        this.log('warn', 'provider reconcile failed', {
          resource: key,
          error: String(error),
        });
      }
    }, delayMs);
    this.timers.add(timer);
  }

  /** Tries a failed resource again: twice the pause each time, up to MAX_RETRY_DELAY_MS. */
  private retryLater(type: ResourceType, object: KubeObject) {
    const key = this.keyOf(type, object);
    const tries = (this.failedTries.get(key) ?? 0) + 1;
    this.failedTries.set(key, tries);
    this.schedule(
      type,
      object,
      Math.min(MAX_RETRY_DELAY_MS, Math.max(1, this.delayMs) * 2 ** tries),
    );
  }

  private failureFor(object: KubeObject): FailureRule | undefined {
    return this.failures.find(
      rule =>
        (!rule.kind || rule.kind === object.kind) &&
        (!rule.namePattern ||
          new RegExp(rule.namePattern).test(object.metadata.name)) &&
        (!rule.specPattern ||
          new RegExp(rule.specPattern).test(
            JSON.stringify(object.spec ?? {}),
          )) &&
        Math.random() < (rule.probability ?? 1),
    );
  }

  private reconcile(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): void {
    const current = this.store.get(type, namespace, name);
    if (!current) return;
    const next: any = structuredClone(current);
    const generation = current.metadata.generation;

    if (current.metadata.deletionTimestamp) {
      const id = (current.status as any)?.atProvider?.id;
      // deletionPolicy Orphan: the managed resource goes, what it manages stays.
      if (id && (current.spec as any)?.deletionPolicy !== 'Orphan')
        this.cloud.delete(id);
      this.deleteConnectionSecret(current);
      next.metadata.finalizers = (next.metadata.finalizers ?? []).filter(
        (f: string) => f !== MANAGED_FINALIZER,
      );
      this.store.update(type, next);
      this.log('debug', 'managed resource deleted in the pretend cloud', {
        kind: current.kind,
        name,
      });
      this.failedTries.delete(this.keyOf(type, current));
      return;
    }
    if (!(next.metadata.finalizers ?? []).includes(MANAGED_FINALIZER)) {
      next.metadata.finalizers = [
        ...(next.metadata.finalizers ?? []),
        MANAGED_FINALIZER,
      ];
    }
    next.status ??= {};
    const failure = this.failureFor(current);
    const synced = (current.status as any)?.conditions?.find(
      (c: any) => c.type === 'Synced',
    );
    if (failure) {
      // Once per failure, as the managed reconciler's rate-limited retries would show it.
      if (synced?.status !== 'False' || synced.message !== failure.message)
        this.events.record(
          current,
          'Warning',
          'CannotCreateExternalResource',
          failure.message,
        );
      setCondition(next, {
        type: 'Synced',
        status: 'False',
        reason: 'ReconcileError',
        message: failure.message,
        observedGeneration: generation,
      });
      setCondition(next, {
        type: 'Ready',
        status: 'False',
        reason: 'Unavailable',
        message: failure.message,
        observedGeneration: generation,
      });
      this.log('info', 'managed resource failed', {
        kind: current.kind,
        name,
        message: failure.message,
      });
    } else {
      next.status.atProvider = {
        ...(next.status.atProvider ?? {}),
        id:
          next.status.atProvider?.id ??
          `sim-${crypto
            .createHash('sha1')
            .update(`${current.kind}/${name}`)
            .digest('hex')
            .slice(0, 10)}`,
        state: 'available',
        endpoint: `${name}.sim.example.org`,
      };
      const id = next.status.atProvider.id;
      if (!this.cloud.has(id))
        this.cloud.set(id, {
          id,
          kind: current.kind,
          managedResource: name,
          ...(namespace ? { namespace } : {}),
          createdAt: new Date().toISOString(),
        });
      const ready = (current.status as any)?.conditions?.find(
        (c: any) => c.type === 'Ready',
      );
      if (ready?.status !== 'True')
        this.events.record(
          current,
          'Normal',
          'CreatedExternalResource',
          'Successfully requested creation of external resource',
        );
      setCondition(next, {
        type: 'Synced',
        status: 'True',
        reason: 'ReconcileSuccess',
        observedGeneration: generation,
      });
      setCondition(next, {
        type: 'Ready',
        status: 'True',
        reason: 'Available',
        observedGeneration: generation,
      });
      this.writeConnectionSecret(current);
    }
    this.store.update(type, recordUpdate(current, next, PROVIDER_MANAGER));
    if (failure) this.retryLater(type, current);
    else this.failedTries.delete(this.keyOf(type, current));
  }

  private writeConnectionSecret(object: KubeObject): void {
    const ref = (object as any).spec?.writeConnectionSecretToRef;
    if (!ref?.name) return;
    const namespace =
      ref.namespace ?? object.metadata.namespace ?? 'crossplane-system';
    const data: Record<string, string> = {
      endpoint: Buffer.from(`${object.metadata.name}.sim.example.org`).toString(
        'base64',
      ),
      username: Buffer.from('admin').toString('base64'),
      password: Buffer.from(crypto.randomBytes(12).toString('hex')).toString(
        'base64',
      ),
    };
    if (object.kind === 'DatabaseInstance')
      data.port = Buffer.from('5432').toString('base64');
    const existing = this.store.get(SECRET_TYPE, namespace, ref.name);
    if (existing) return;
    this.store.create(SECRET_TYPE, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: ref.name, namespace },
      type: 'connection.crossplane.io/v1alpha1',
      data,
    } as KubeObject);
  }

  private deleteConnectionSecret(object: KubeObject): void {
    const ref = (object as any).spec?.writeConnectionSecretToRef;
    if (!ref?.name) return;
    const namespace =
      ref.namespace ?? object.metadata.namespace ?? 'crossplane-system';
    if (this.store.get(SECRET_TYPE, namespace, ref.name))
      this.store.delete(SECRET_TYPE, namespace, ref.name);
  }
}
