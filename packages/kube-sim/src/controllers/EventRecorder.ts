/*
 * Kubernetes Events, as controllers record them: one Event per object, reason and message, its
 * count and lastTimestamp bumped when it happens again; in the object's namespace, or `default`
 * for cluster-scoped objects. What `kubectl describe` and `kubectl get events` show.
 */
import crypto from 'node:crypto';
import type { ObjectStore } from '../store/ObjectStore';
import { EVENT_TYPE } from '../store/ResourceRegistry';
import type { KubeObject } from '../store/types';

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export class EventRecorder {
  constructor(
    private readonly store: ObjectStore,
    private readonly component: string,
  ) {}

  record(
    object: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): void {
    const namespace = object.metadata.namespace ?? 'default';
    // Deterministic per object, reason and message, so a repeat finds the event it repeats.
    const name = `${object.metadata.name}.${crypto
      .createHash('sha1')
      .update(`${object.metadata.uid}|${reason}|${message}`)
      .digest('hex')
      .slice(0, 16)}`;
    const existing = this.store.get(EVENT_TYPE, namespace, name);
    if (existing) {
      const repeated = structuredClone(existing) as any;
      repeated.count = (repeated.count ?? 1) + 1;
      repeated.lastTimestamp = now();
      delete repeated.metadata.resourceVersion;
      this.store.update(EVENT_TYPE, repeated);
      return;
    }
    this.store.create(EVENT_TYPE, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.metadata.name,
        namespace: object.metadata.namespace,
        uid: object.metadata.uid,
        resourceVersion: object.metadata.resourceVersion,
      },
      type,
      reason,
      message,
      source: { component: this.component },
      reportingComponent: this.component,
      firstTimestamp: now(),
      lastTimestamp: now(),
      count: 1,
    });
  }
}
