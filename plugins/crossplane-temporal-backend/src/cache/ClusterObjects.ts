/*
 * One cluster's objects as its watches last reported them, indexed so that a resource's whole
 * tree is found without a call: the XRDs (what may be requested), the claims and namespaced
 * composites the suite manages (trusted only when their workflow-ID annotation is the one
 * computed from the object), claims' composites, managed resources and their events. Whoever
 * owns a changed object's resource is told its workflow ID.
 */
import {
  apiGroupOf,
  CROSSPLANE_LABELS,
  resourceWorkflowId,
  WORKFLOW_ID_ANNOTATION,
  type ResourceRef,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { KubeObject } from '../cluster/types';
import type { InformerEvent } from '../watchers/Informer';
import { objectKey, ObjectEvents, type CachedEvent } from './ObjectEvents';
import {
  requestableXrdOf,
  XRD_API_VERSIONS,
  type RequestableXrd,
} from './xrds';

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

export interface ClusterObjectsOptions {
  /** Told when anything about a resource changed, with the ID of the workflow that owns it. */
  onResourceChange?: (workflowId: string) => void;
  /** Events kept per object. Default 20. */
  eventsPerObject?: number;
}

/** How the cache names a resource: namespace, API group, kind and name. */
const resourceKey = (r: {
  namespace: string;
  group: string;
  kind: string;
  name: string;
}) => `${r.namespace}/${r.group}/${r.kind}/${r.name}`;

const compositeKey = (apiVersion: string, kind: string, name: string) =>
  `${apiGroupOf(apiVersion)}|${kind}|${name}`;

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

export class ClusterObjects {
  /** XRD name → what it offers */
  readonly xrds = new Map<string, RequestableXrd>();
  readonly events: ObjectEvents;
  /** XRD name → API version → what the XRD offers, as that version reads */
  private readonly xrdViews = new Map<
    string,
    Map<string, RequestableXrd | undefined>
  >();
  /** resourceKey → the claim or namespaced composite */
  private readonly resources = new Map<string, KubeObject>();
  /** compositeKey → a claim's (cluster-scoped) composite */
  private readonly composites = new Map<string, KubeObject>();
  /** `namespace/compositeName` → uid → managed resource */
  private readonly managed = new Map<string, Map<string, KubeObject>>();
  /** `namespace/name` → resource keys, to find a claim from its composite */
  private readonly resourcesByName = new Map<string, Set<string>>();
  /** composite name → composite keys, to find a composite from a managed resource's label */
  private readonly compositesByName = new Map<string, Set<string>>();

  constructor(
    private readonly cluster: string,
    private readonly options: ClusterObjectsOptions,
  ) {
    this.events = new ObjectEvents(options.eventsPerObject ?? 20);
  }

  objectsOf(ref: ResourceRef): ResourceObjects | undefined {
    const resource = this.resources.get(
      resourceKey({ ...ref, group: apiGroupOf(ref.apiVersion) }),
    );
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
    const events = this.events.about([resource, composite, ...managed]);
    return { resource, composite, managed, events };
  }

  /**
   * Takes an XRD's news and returns what it offers now, or undefined when it offers nothing.
   * Each XRD is kept once, as read from the version that says most.
   */
  xrdChanged({ type, object }: InformerEvent): RequestableXrd | undefined {
    const views = this.xrdViews.get(object.metadata.name) ?? new Map();
    if (type === 'DELETED') views.delete(object.apiVersion);
    else views.set(object.apiVersion, requestableXrdOf(this.cluster, object));
    if (views.size === 0) this.xrdViews.delete(object.metadata.name);
    else this.xrdViews.set(object.metadata.name, views);
    const xrd = XRD_API_VERSIONS.map(v => views.get(v)).find(Boolean);
    if (!xrd) {
      this.xrds.delete(object.metadata.name);
      return undefined;
    }
    this.xrds.set(xrd.name, xrd);
    this.events.track(xrd.group, xrd.kind);
    if (xrd.compositeKind) this.events.track(xrd.group, xrd.compositeKind);
    return xrd;
  }

  /** A claim or namespaced composite of the kind `xrd` offers. */
  resourceChanged(xrd: RequestableXrd, { type, object }: InformerEvent) {
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
      this.events.forget(object.metadata.uid ?? '');
    } else {
      this.resources.set(key, object);
      addTo(this.resourcesByName, byName, key);
    }
    this.options.onResourceChange?.(workflowId);
  }

  /** A claim's composite. */
  compositeChanged({ type, object }: InformerEvent) {
    const key = compositeKey(
      object.apiVersion,
      object.kind,
      object.metadata.name,
    );
    if (type === 'DELETED') {
      this.composites.delete(key);
      removeFrom(this.compositesByName, object.metadata.name, key);
      this.events.forget(object.metadata.uid ?? '');
    } else {
      this.composites.set(key, object);
      addTo(this.compositesByName, object.metadata.name, key);
    }
    this.notifyOwnerOfComposite(object);
  }

  /** A managed resource, found by the composite its label names. */
  managedChanged({ type, object }: InformerEvent) {
    const composite = object.metadata.labels?.[CROSSPLANE_LABELS.composite];
    if (!composite) return;
    const key = `${object.metadata.namespace ?? ''}/${composite}`;
    const uid = object.metadata.uid ?? objectKey(object);
    let byUid = this.managed.get(key);
    if (type === 'DELETED') {
      byUid?.delete(uid);
      if (byUid?.size === 0) this.managed.delete(key);
      this.events.forget(uid);
    } else {
      if (!byUid) this.managed.set(key, (byUid = new Map()));
      byUid.set(uid, object);
    }
    if (object.metadata.namespace) {
      // A v2 namespaced composite's managed resources: the composite is the resource.
      this.notifyOwnerOf(object.metadata.namespace, composite);
    } else {
      for (const xrKey of this.compositesByName.get(composite) ?? []) {
        const xr = this.composites.get(xrKey);
        if (xr) this.notifyOwnerOfComposite(xr);
      }
    }
  }

  private compositeOf(resource: KubeObject): KubeObject | undefined {
    const ref = resource.spec?.resourceRef as
      | { apiVersion?: string; kind?: string; name?: string }
      | undefined;
    if (!ref?.apiVersion || !ref.kind || !ref.name) return undefined;
    return this.composites.get(
      compositeKey(ref.apiVersion, ref.kind, ref.name),
    );
  }

  /** The workflow an object's annotation names, when it is the one computed from the object. */
  private trustedWorkflowId(xrd: RequestableXrd, object: KubeObject) {
    if (!object.metadata.namespace) return undefined;
    const id = resourceWorkflowId({
      cluster: this.cluster,
      apiVersion: xrd.apiVersion,
      kind: xrd.kind,
      namespace: object.metadata.namespace,
      name: object.metadata.name,
    });
    return object.metadata.annotations?.[WORKFLOW_ID_ANNOTATION] === id
      ? id
      : undefined;
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
