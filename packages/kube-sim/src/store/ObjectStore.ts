/*
 * The simulator's storage: every object by resource type, one resourceVersion counter for all of
 * them (as etcd's revision), and a bounded window of recent events per type, so that a watch can
 * resume from a resourceVersion, and one that is too old gets `410 Gone` as from a real server.
 */
import crypto from 'node:crypto';
import { StatusError } from '../api/status';
import type {
  KubeObject,
  ResourceType,
  StoredEvent,
  WatchEventType,
} from './types';

/** Events kept per resource type for watches to resume from (the API server's watch cache). */
export const DEFAULT_WATCH_CACHE_SIZE = 2_000;

export type WatchListener = (event: StoredEvent) => void;

interface TypeBucket {
  objects: Map<string, KubeObject>;
  events: StoredEvent[];
  listeners: Set<{ namespace?: string; listener: WatchListener }>;
}

export const typeKey = (type: Pick<ResourceType, 'group' | 'plural'>) =>
  `${type.group}/${type.plural}`;
const objectKey = (namespace: string | undefined, name: string) =>
  `${namespace ?? ''}/${name}`;
const clone = <T>(value: T): T => structuredClone(value);

export class ObjectStore {
  private revision = 0;

  /** @param watchCacheSize - events kept per type; a watch from before them gets 410 Gone */
  constructor(
    private readonly watchCacheSize: number = DEFAULT_WATCH_CACHE_SIZE,
  ) {}

  private readonly buckets = new Map<string, TypeBucket>();
  private readonly changeListeners = new Set<WatchListener>();

  /** Calls the listener after every change to any object, until the returned function is called. */
  onAnyChange(listener: WatchListener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  get resourceVersion(): string {
    return String(this.revision);
  }

  private bucket(type: ResourceType): TypeBucket {
    const key = typeKey(type);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { objects: new Map(), events: [], listeners: new Set() };
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  get(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined {
    const object = this.bucket(type).objects.get(objectKey(namespace, name));
    return object && clone(object);
  }

  list(type: ResourceType, namespace?: string): KubeObject[] {
    const items: KubeObject[] = [];
    for (const object of this.bucket(type).objects.values()) {
      if (namespace === undefined || object.metadata.namespace === namespace)
        items.push(clone(object));
    }
    return items.sort((a, b) =>
      objectKey(a.metadata.namespace, a.metadata.name).localeCompare(
        objectKey(b.metadata.namespace, b.metadata.name),
      ),
    );
  }

  /** Stores a new object; fills in uid, generation, creationTimestamp and resourceVersion. */
  create(type: ResourceType, object: KubeObject): KubeObject {
    const bucket = this.bucket(type);
    const key = objectKey(object.metadata.namespace, object.metadata.name);
    if (bucket.objects.has(key)) {
      throw StatusError.alreadyExists(type, object.metadata.name);
    }
    const stored = clone(object);
    stored.metadata.uid = crypto.randomUUID();
    stored.metadata.generation = 1;
    stored.metadata.creationTimestamp = new Date()
      .toISOString()
      .replace(/\.\d+Z$/, 'Z');
    return this.commit(type, bucket, key, stored, 'ADDED');
  }

  /**
   * Replaces an object. A resourceVersion in the new object must match the stored one (optimistic
   * concurrency); a changed spec (or anything but metadata and status) bumps the generation.
   */
  update(type: ResourceType, object: KubeObject): KubeObject {
    const bucket = this.bucket(type);
    const key = objectKey(object.metadata.namespace, object.metadata.name);
    const current = bucket.objects.get(key);
    if (!current) throw StatusError.notFound(type, object.metadata.name);
    const expected = object.metadata.resourceVersion;
    if (expected && expected !== current.metadata.resourceVersion) {
      throw StatusError.conflict(
        type,
        object.metadata.name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    const stored = clone(object);
    stored.metadata.uid = current.metadata.uid;
    stored.metadata.creationTimestamp = current.metadata.creationTimestamp;
    stored.metadata.generation =
      (current.metadata.generation ?? 1) +
      (specChanged(current, stored) ? 1 : 0);
    if (current.metadata.deletionTimestamp) {
      stored.metadata.deletionTimestamp = current.metadata.deletionTimestamp;
    }
    if (
      stored.metadata.deletionTimestamp &&
      (stored.metadata.finalizers ?? []).length === 0
    ) {
      // The last finalizer is gone: the deletion completes.
      bucket.objects.delete(key);
      stored.metadata.resourceVersion = String(++this.revision);
      this.emit(bucket, {
        type: 'DELETED',
        object: stored,
        resourceVersion: this.revision,
      });
      return clone(stored);
    }
    if (!changed(current, stored)) return clone(current);
    return this.commit(type, bucket, key, stored, 'MODIFIED');
  }

  /**
   * Deletes an object, or marks it for deletion while finalizers remain. Returns the object as it
   * is afterwards.
   */
  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): KubeObject {
    const bucket = this.bucket(type);
    const key = objectKey(namespace, name);
    const current = bucket.objects.get(key);
    if (!current) throw StatusError.notFound(type, name);
    if ((current.metadata.finalizers ?? []).length > 0) {
      if (current.metadata.deletionTimestamp) return clone(current);
      const marked = clone(current);
      marked.metadata.deletionTimestamp = new Date()
        .toISOString()
        .replace(/\.\d+Z$/, 'Z');
      return this.commit(type, bucket, key, marked, 'MODIFIED');
    }
    bucket.objects.delete(key);
    const deleted = clone(current);
    deleted.metadata.resourceVersion = String(++this.revision);
    this.emit(bucket, {
      type: 'DELETED',
      object: deleted,
      resourceVersion: this.revision,
    });
    return clone(deleted);
  }

  /**
   * Calls the listener for every event after `sinceResourceVersion` still in the window, then for
   * every new one, until the returned function is called. Throws 410 Gone when events the
   * caller needs have left the window.
   */
  watch(
    type: ResourceType,
    namespace: string | undefined,
    sinceResourceVersion: number,
    listener: WatchListener,
  ): () => void {
    const bucket = this.bucket(type);
    const oldest = bucket.events[0]?.resourceVersion;
    if (
      oldest !== undefined &&
      sinceResourceVersion < oldest - 1 &&
      bucket.events.length >= this.watchCacheSize
    ) {
      throw StatusError.gone(sinceResourceVersion, oldest);
    }
    for (const event of bucket.events) {
      if (
        event.resourceVersion > sinceResourceVersion &&
        inNamespace(event.object, namespace)
      ) {
        listener(clone(event));
      }
    }
    const entry = { namespace, listener };
    bucket.listeners.add(entry);
    return () => bucket.listeners.delete(entry);
  }

  /** Everything, for persistence. */
  dump(): {
    revision: number;
    objects: Array<{ type: string; object: KubeObject }>;
  } {
    const objects: Array<{ type: string; object: KubeObject }> = [];
    for (const [type, bucket] of this.buckets) {
      for (const object of bucket.objects.values())
        objects.push({ type, object: clone(object) });
    }
    return { revision: this.revision, objects };
  }

  /** Restores a dump taken by `dump()`; watch windows start empty. */
  restore(
    dump: {
      revision: number;
      objects: Array<{ type: string; object: KubeObject }>;
    },
    typeOf: (key: string) => ResourceType | undefined,
  ): void {
    this.revision = Math.max(this.revision, dump.revision);
    for (const { type, object } of dump.objects) {
      const resourceType = typeOf(type);
      if (!resourceType) continue;
      this.bucket(resourceType).objects.set(
        objectKey(object.metadata.namespace, object.metadata.name),
        object,
      );
    }
  }

  private commit(
    type: ResourceType,
    bucket: TypeBucket,
    key: string,
    object: KubeObject,
    eventType: WatchEventType,
  ): KubeObject {
    object.metadata.resourceVersion = String(++this.revision);
    bucket.objects.set(key, object);
    this.emit(bucket, {
      type: eventType,
      object: clone(object),
      resourceVersion: this.revision,
    });
    void type;
    return clone(object);
  }

  private emit(bucket: TypeBucket, event: StoredEvent): void {
    bucket.events.push(event);
    if (bucket.events.length > this.watchCacheSize)
      bucket.events.splice(0, bucket.events.length - this.watchCacheSize);
    for (const { namespace, listener } of bucket.listeners) {
      if (inNamespace(event.object, namespace)) listener(clone(event));
    }
    for (const listener of this.changeListeners) listener(event);
  }
}

function inNamespace(
  object: KubeObject,
  namespace: string | undefined,
): boolean {
  return namespace === undefined || object.metadata.namespace === namespace;
}

function withoutMetaAndStatus(object: KubeObject): Record<string, unknown> {
  const {
    metadata: _metadata,
    status: _status,
    ...rest
  } = object as Record<string, unknown>;
  return rest;
}

function specChanged(before: KubeObject, after: KubeObject): boolean {
  return (
    JSON.stringify(withoutMetaAndStatus(before)) !==
    JSON.stringify(withoutMetaAndStatus(after))
  );
}

function changed(before: KubeObject, after: KubeObject): boolean {
  const strip = (o: KubeObject) => ({
    ...o,
    metadata: {
      ...o.metadata,
      resourceVersion: undefined,
      managedFields: undefined,
    },
  });
  return JSON.stringify(strip(before)) !== JSON.stringify(strip(after));
}
