/*
 * The Kubernetes events about a cluster's resource objects, kept per involved object (a bounded
 * number each, the newest) and only for the kinds the suite's resources are made of, so the
 * cache does not grow with everything else that happens on the cluster.
 */
import { apiGroupOf } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { KubeObject } from '../cluster/types';
import type { InformerEvent } from '../watchers/Informer';

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

/** Timestamps oldest first (a missing one first of all). */
const oldestFirst = (a?: string, b?: string) =>
  (a ?? '').localeCompare(b ?? '');

/** The object's key when it has no uid. */
export const objectKey = (o: {
  metadata: { namespace?: string; name: string };
}) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** An event as `core/v1` or `events.k8s.io/v1` reports it, in one shape. */
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

export class ObjectEvents {
  /** involved object uid → event key → event */
  private readonly byObject = new Map<string, Map<string, CachedEvent>>();
  /** `group|kind` of the objects whose events are kept */
  private readonly trackedKinds = new Set<string>();

  /** `perObject`: events kept per object, and the most one answer lists. */
  constructor(private readonly perObject: number) {}

  /** Keep the events about objects of this kind from now on. */
  track(group: string, kind: string) {
    this.trackedKinds.add(`${group}|${kind}`);
  }

  /** Forget the events about an object that is gone. */
  forget(uid: string) {
    this.byObject.delete(uid);
  }

  changed({ type, object }: InformerEvent) {
    const uid = (object as any).involvedObject?.uid as string | undefined;
    if (!uid) return;
    const key = object.metadata.uid ?? objectKey(object);
    if (type === 'DELETED') {
      const events = this.byObject.get(uid);
      events?.delete(key);
      if (events?.size === 0) this.byObject.delete(uid);
      return;
    }
    const involved = (object as any).involvedObject ?? {};
    if (
      !this.trackedKinds.has(
        `${apiGroupOf(involved.apiVersion ?? '')}|${involved.kind}`,
      )
    )
      return;
    let events = this.byObject.get(uid);
    if (!events) this.byObject.set(uid, (events = new Map()));
    events.set(key, eventOf(object));
    if (events.size > this.perObject) {
      const oldest = [...events.entries()].sort((a, b) =>
        oldestFirst(a[1].lastTimestamp, b[1].lastTimestamp),
      )[0][0];
      events.delete(oldest);
    }
  }

  /** The newest events about any of `objects`, newest first. */
  about(objects: readonly (KubeObject | undefined)[]): CachedEvent[] {
    return objects
      .flatMap(o => [
        ...(this.byObject.get(o?.metadata.uid ?? '')?.values() ?? []),
      ])
      .sort((a, b) => oldestFirst(b.lastTimestamp, a.lastTimestamp))
      .slice(0, this.perObject);
  }
}
