/*
 * What the resource workflow asks of the outside world. Type-only, so the workflow bundle can
 * import it; the implementations are in createResourceActivities.
 */
import type {
  ComposedResource,
  Condition,
  JsonObject,
  ResourceRef,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { Impersonation, ObjectRef } from '../cluster/types';

export interface ApplyResourceInput {
  ref: ResourceRef;
  spec: JsonObject;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Make the write as the requesting user, when the cluster impersonates. */
  as?: Impersonation;
  /** Take back fields someone else changed (drift repair, updates asked for through Backstage). */
  force?: boolean;
}

export interface AppliedObject {
  uid: string;
  generation: number;
  resourceVersion: string;
}

export interface ReadResourceStateInput {
  ref: ResourceRef;
  /** Read the connection secret as this identity (tenants may read their own secrets). */
  as?: Impersonation;
  /** Objects seen before, checked even when the claim or composite is already gone. */
  known?: ObjectRef[];
}

export interface ObservedState {
  exists: boolean;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  /** Deletion requested, finalizers still running. */
  deleting: boolean;
  conditions: Condition[];
  /** A claim's composite resource (v1); absent for a v2 namespaced composite. */
  composite?: ObjectRef;
  composed: ComposedResource[];
  connectionSecret?: { namespace: string; name: string; keys: string[] };
  /** Which of the `known` objects, and of those found now, still exist. */
  remaining: ObjectRef[];
}

export interface NotifyInput {
  /** Entity refs of users or groups. */
  recipients: string[];
  title: string;
  description: string;
  severity: 'low' | 'normal' | 'high' | 'critical';
  /** Scope so that repeated notifications about the same thing replace each other. */
  topic: string;
}

export interface ResourceActivities {
  /** Checks the spec against the XRD's schema; fails with `Invalid` saying which field is wrong. */
  validateSpec(input: { ref: ResourceRef; spec: JsonObject }): Promise<void>;
  /** Server-side dry-run of the apply: admission, RBAC and schema, nothing persisted. */
  dryRunApply(input: ApplyResourceInput): Promise<void>;
  /** Both checks in one call: the XRD's schema first, then the server-side dry-run. */
  validateAndDryRun(input: ApplyResourceInput): Promise<void>;
  /** Server-side apply of the claim or namespaced composite. */
  applyResource(input: ApplyResourceInput): Promise<AppliedObject>;
  readResourceState(input: ReadResourceStateInput): Promise<ObservedState>;
  deleteResource(input: {
    ref: ResourceRef;
    as?: Impersonation;
  }): Promise<'deleted' | 'notFound'>;
  notify(input: NotifyInput): Promise<void>;
}
