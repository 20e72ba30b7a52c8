/*
 * Owner-reference garbage collection, as kube-controller-manager does it: when an owner is gone,
 * its dependents go too (background); an owner deleted in the foreground keeps the
 * `foregroundDeletion` finalizer until its dependents are gone. Orphaning happens at the API
 * (dependents lose the reference before the owner goes).
 */
import type { Log } from '../logger';
import type { ObjectStore } from '../store/ObjectStore';
import type { ResourceRegistry } from '../store/ResourceRegistry';
import type { KubeObject, ResourceType, StoredEvent } from '../store/types';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';

interface Dependent {
  type: ResourceType;
  object: KubeObject;
}

/** An object gone, or one deleted in the foreground that waits for its dependents. */
const isDeletion = ({ type, object }: StoredEvent) =>
  type === 'DELETED' ||
  (Boolean(object.metadata.deletionTimestamp) &&
    Boolean(object.metadata.finalizers?.includes(FOREGROUND_FINALIZER)));

export class GarbageCollector {
  private unsubscribe = () => {};

  constructor(
    private readonly deps: {
      store: ObjectStore;
      registry: ResourceRegistry;
      log: Log;
    },
  ) {}

  start(): void {
    // Only deletions concern it; it acts after the write that caused them, not inside it (the
    // store calls listeners synchronously).
    this.unsubscribe = this.deps.store.onAnyChange(event => {
      if (isDeletion(event)) setImmediate(() => this.handle(event));
    });
  }

  stop(): void {
    this.unsubscribe();
  }

  /** The objects that name `ownerUid` in their owner references. */
  dependentsOf(ownerUid: string): Dependent[] {
    const found: Dependent[] = [];
    for (const type of this.deps.registry.all())
      for (const object of this.deps.store.list(type))
        if (object.metadata.ownerReferences?.some(r => r.uid === ownerUid))
          found.push({ type, object });
    return found;
  }

  private handle({ type, object }: StoredEvent): void {
    const uid = object.metadata.uid;
    if (!uid) return;
    for (const dependent of this.dependentsOf(uid))
      this.collect(dependent, uid);
    if (type === 'DELETED') {
      // A dependent is gone: an owner waiting in the foreground may now go too.
      for (const ref of object.metadata.ownerReferences ?? [])
        this.finishForeground(ref.uid);
    } else {
      this.finishForeground(uid);
    }
  }

  /** Deletes a dependent whose owner is gone, unless another owner still exists. */
  private collect({ type, object }: Dependent, goneOwnerUid: string): void {
    const others = (object.metadata.ownerReferences ?? []).filter(
      r => r.uid !== goneOwnerUid,
    );
    if (others.some(r => this.exists(r.uid))) return;
    if (object.metadata.deletionTimestamp) return;
    try {
      this.deps.store.delete(
        type,
        object.metadata.namespace,
        object.metadata.name,
      );
      this.deps.log('debug', 'garbage collected', {
        kind: object.kind,
        namespace: object.metadata.namespace,
        name: object.metadata.name,
        owner: goneOwnerUid,
      });
    } catch {
      // Deleted meanwhile.
    }
  }

  /** Drops the foreground finalizer of the owner with `uid` once none of its dependents is left. */
  private finishForeground(uid: string): void {
    const owner = this.find(uid);
    if (
      !owner?.object.metadata.deletionTimestamp ||
      !owner.object.metadata.finalizers?.includes(FOREGROUND_FINALIZER) ||
      this.dependentsOf(uid).length > 0
    )
      return;
    const updated = structuredClone(owner.object);
    updated.metadata.finalizers = updated.metadata.finalizers!.filter(
      f => f !== FOREGROUND_FINALIZER,
    );
    delete updated.metadata.resourceVersion;
    this.deps.store.update(owner.type, updated);
  }

  private exists(uid: string): boolean {
    return this.find(uid) !== undefined;
  }

  private find(uid: string): Dependent | undefined {
    for (const type of this.deps.registry.all())
      for (const object of this.deps.store.list(type))
        if (object.metadata.uid === uid) return { type, object };
    return undefined;
  }
}
