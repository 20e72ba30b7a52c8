/*
 * Where the providers learn about XRDs and resources. The module does not watch clusters itself:
 * the crossplane-temporal backend's watchers and workflows already know both, so a source
 * forwards what they report (a full list on demand, and each change as it happens).
 */
import type {
  ResourcePhase,
  ResourceRef,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type {
  CompositeResourceDefinition,
  ObservedXrd,
} from '../generator';

/**
 * A change to an XRD on one cluster.
 *
 * @public
 */
export type XrdChange =
  | { type: 'upsert'; cluster: string; xrd: CompositeResourceDefinition }
  | { type: 'delete'; cluster: string; name: string };

/**
 * The XRDs of every configured cluster.
 *
 * @public
 */
export interface XrdSource {
  /** Every XRD on every cluster, now, with its status. */
  listXrds(): Promise<ObservedXrd[]>;
  /**
   * Calls the listener with each change as it happens (an XRD applied, changed, its status
   * updated, or deleted). Returns a function that stops the calls.
   */
  subscribe(listener: (change: XrdChange) => void): () => void;
}

/**
 * What the catalog needs to know of a resource: which it is, whose, and for what.
 *
 * @public
 */
export interface ResourceSummary {
  ref: ResourceRef;
  workflowId: string;
  phase: ResourcePhase;
  /** e.g. `group:default/team-alpha`; absent for discovered objects that name none. */
  owner?: string;
  /** e.g. `component:default/checkout-service`. */
  component?: string;
  /** `provisioned` through the suite, or `discovered` on a cluster (a claim or composite made otherwise). */
  origin: 'provisioned' | 'discovered';
}

/**
 * A change to a resource.
 *
 * @public
 */
export type ResourceChange =
  | { type: 'upsert'; resource: ResourceSummary }
  | { type: 'delete'; ref: ResourceRef; workflowId: string };

/**
 * The resources the suite provisioned and, when asked, the claims and namespaced composites
 * found on the clusters. A resource is listed from its first request until it is deprovisioned
 * (phase `Deleted`), or its provision ended without creating anything; then a `delete` change
 * says it is gone.
 *
 * @public
 */
export interface ResourceSource {
  listResources(options: { includeDiscovered: boolean }): Promise<ResourceSummary[]>;
  subscribe(
    listener: (change: ResourceChange) => void,
    options: { includeDiscovered: boolean },
  ): () => void;
}
