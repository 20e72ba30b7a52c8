/*
 * What flows between the Backstage side and a resource's workflow: requests, decisions, what the
 * watchers observed, and the status the workflow reports.
 */
import type { ResourceRef } from './resourceRef';

/** @public */
export type JsonObject = { [key: string]: JsonValue };
/** @public */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | JsonObject;

/**
 * Who asked, as Backstage knows them and as the cluster should see them.
 *
 * @public
 */
export interface Requester {
  /** e.g. `user:default/alice` */
  userEntityRef: string;
  /** The Backstage entities the user belongs to, e.g. `group:default/team-alpha`. */
  ownershipEntityRefs: string[];
  /**
   * The Kubernetes identity writes are made as, on clusters whose config impersonates users
   * (`impersonate`, the default). Ignored on the others, where writes are made as the backend.
   */
  kubernetes?: { user: string; groups: string[] };
}

/**
 * The platform team's rules for a resource, from its template.
 *
 * @public
 */
export interface ResourcePolicy {
  /** Which operations need an approval before they touch the cluster, by whom, and for how long. */
  approval?: {
    operations: Array<'provision' | 'update' | 'deprovision'>;
    /** Users or groups (entity refs) who may decide. */
    approvers: string[];
    /** After this long without a decision the request expires. */
    timeoutSeconds: number;
  };
  /** What to do when the object is changed or deleted outside the workflow. */
  drift: 'repair' | 'notify' | 'ignore';
  /** How long Crossplane may take to report Ready before the operation fails. */
  readyTimeoutSeconds: number;
}

/** @public */
export interface RequestBase {
  /** Unique per request; a retried request with the same ID is answered, not repeated. */
  requestId: string;
  requestedBy: Requester;
}

/** @public */
export interface ProvisionRequest extends RequestBase {
  ref: ResourceRef;
  /** The claim's or composite's `spec`. */
  spec: JsonObject;
  /** Labels to put on the object besides the suite's own. */
  labels?: Record<string, string>;
  /** The Backstage entity that owns the resource, e.g. `group:default/team-alpha`. */
  owner: string;
  /** The component the resource is for, e.g. `component:default/checkout-service`. */
  component?: string;
  policy: ResourcePolicy;
}

/** @public */
export interface UpdateRequest extends RequestBase {
  spec: JsonObject;
}

/** @public */
export type DeprovisionRequest = RequestBase;

/** @public */
export interface ApprovalDecision {
  requestId: string;
  decidedBy: string;
  /** The decider's ownership refs, so the workflow can check them against the approvers. */
  decidedByOwnershipRefs: string[];
  approved: boolean;
  comment?: string;
}

/**
 * A Kubernetes status condition, as Crossplane reports it.
 *
 * @public
 */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

/**
 * What a watcher saw happen to an object the workflow manages, or to something composed from it.
 *
 * @public
 */
export interface ObservedObjectEvent {
  /** `resource`: the claim or namespaced composite itself; `composite`: a claim's XR; `managed`: a composed resource. */
  role: 'resource' | 'composite' | 'managed';
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  conditions: Condition[];
  /** The field manager of the last change to the object's spec, when the server says. */
  lastSpecManager?: string;
  observedAt: string;
}

/** @public */
export type ResourcePhase =
  | 'Pending'
  | 'Validating'
  | 'AwaitingApproval'
  | 'Applying'
  | 'WaitingForReady'
  | 'Ready'
  | 'Failed'
  | 'RollingBack'
  | 'Deprovisioning'
  | 'Deleted'
  | 'Rejected'
  | 'Expired';

/**
 * One entry of a resource's history: what the workflow did, or saw, and how it went.
 *
 * @public
 */
export interface StepRecord {
  seq: number;
  at: string;
  requestId?: string;
  step: string;
  outcome: 'started' | 'succeeded' | 'failed' | 'skipped' | 'info';
  message: string;
}

/** @public */
export interface PendingApproval {
  requestId: string;
  operation: 'provision' | 'update' | 'deprovision';
  requestedBy: string;
  approvers: string[];
  expiresAt: string;
}

/**
 * A composed resource, as last observed.
 *
 * @public
 */
export interface ComposedResource {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  ready?: boolean;
  synced?: boolean;
  /** `metadata.generation`: bumped by every change to its spec. */
  generation?: number;
  /**
   * False while the provider has not yet reported on the latest spec (its Synced condition's
   * `observedGeneration` is behind `metadata.generation`).
   */
  current?: boolean;
  message?: string;
}

/** @public */
export interface ResourceOutputs {
  /** The connection secret's location and key names; values never leave the cluster. */
  connectionSecret?: { namespace: string; name: string; keys: string[] };
  composite?: { apiVersion: string; kind: string; name: string };
  composed: ComposedResource[];
}

/**
 * Everything a resource's workflow knows, as its `status` query answers.
 *
 * @public
 */
export interface ResourceStatus {
  ref: ResourceRef;
  workflowId: string;
  phase: ResourcePhase;
  owner?: string;
  component?: string;
  desiredSpec?: JsonObject;
  lastAppliedSpec?: JsonObject;
  lastGoodSpec?: JsonObject;
  pendingApproval?: PendingApproval;
  conditions: Condition[];
  outputs?: ResourceOutputs;
  lastError?: string;
  steps: StepRecord[];
}
