/*
 * The contract between the workflows' activities and the clusters they act on. Activities only
 * see these interfaces; `createClusterClients` builds them from app-config.
 */

/** An object as the Kubernetes API returns it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
    managedFields?: Array<{
      manager?: string;
      operation?: string;
      time?: string;
      fieldsV1?: unknown;
    }>;
    [key: string]: unknown;
  };
  spec?: Record<string, any>;
  status?: Record<string, any>;
  [key: string]: unknown;
}

/** Names one object. `namespace` is absent for cluster-scoped kinds. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** The identity a request is made as, when the cluster's config impersonates users. */
export interface Impersonation {
  user: string;
  groups: string[];
}

export interface RequestOptions {
  /**
   * Make the request as this identity (Impersonate-User and one Impersonate-Group per group) when
   * the cluster impersonates users (`impersonatesUsers`); ignored otherwise, and the request is
   * made as the backend's own identity.
   */
  as?: Impersonation;
  signal?: AbortSignal;
}

export interface ApplyOptions extends RequestOptions {
  fieldManager: string;
  /** Take ownership of fields another manager set (server-side apply `force=true`). */
  force?: boolean;
  /** Validate and default on the server without persisting anything. */
  dryRun?: boolean;
}

export interface DeleteOptions extends RequestOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
}

export interface ListQuery {
  apiVersion: string;
  kind: string;
  namespace?: string;
  labelSelector?: string;
}

/** One cluster, as configured; every call may throw a `ClusterRequestError`. */
export interface ClusterClient extends ClusterWatching {
  readonly name: string;
  /** Whether requests with `as` are made as that user (config `impersonate`, default true). */
  readonly impersonatesUsers: boolean;
  /** Server-side apply; returns the object as stored (or as it would be stored, for a dry run). */
  apply(object: KubeObject, options: ApplyOptions): Promise<KubeObject>;
  get(
    ref: ObjectRef,
    options?: RequestOptions,
  ): Promise<KubeObject | undefined>;
  list(query: ListQuery, options?: RequestOptions): Promise<KubeObject[]>;
  /** `notFound` when there was nothing to delete; deletion may still be in progress (finalizers). */
  delete(
    ref: ObjectRef,
    options?: DeleteOptions,
  ): Promise<'deleted' | 'notFound'>;
}

/** One event of a watch stream; `ERROR` carries a Kubernetes Status (e.g. 410 Gone). */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject & { code?: number; reason?: string };
}

export interface WatchQuery extends ListQuery {
  resourceVersion?: string;
}

/** A list with the resourceVersion to watch from. */
export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
}

export interface ClusterWatching {
  listWithVersion(
    query: ListQuery,
    options?: RequestOptions,
  ): Promise<ListResult>;
  /**
   * Streams changes after `resourceVersion` until the server ends the stream, the connection
   * drops or `signal` aborts; resolves then (rejects only when the watch could not start).
   */
  watch(
    query: WatchQuery,
    onEvent: (event: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void>;
}

export interface ClusterClients {
  /** Throws a `ClusterRequestError` with reason `UnknownCluster` for a name not in app-config. */
  get(name: string): ClusterClient;
  names(): string[];
}

/**
 * Why a cluster request failed, in the terms the workflows decide on:
 * - `Unauthorized`: credentials were refused even after refreshing them once.
 * - `Forbidden`: the identity may not do this; retrying will not help.
 * - `Invalid`: the object was refused by validation (schema, admission); the message says why.
 * - `NotFound`, `Conflict`, `AlreadyExists`: as in Kubernetes.
 * - `FieldConflict`: a server-side apply would change fields another manager owns; retrying the
 *   same apply cannot succeed.
 * - `Transient`: 429, 5xx, timeouts, dropped connections: worth retrying.
 * - `UnknownCluster`: no such cluster in app-config.
 */
export type ClusterErrorReason =
  | 'Unauthorized'
  | 'Forbidden'
  | 'Invalid'
  | 'NotFound'
  | 'Conflict'
  | 'FieldConflict'
  | 'AlreadyExists'
  | 'Transient'
  /** The server's certificate does not verify against the configured CA: a setup to fix. */
  | 'Untrusted'
  | 'UnknownCluster';
