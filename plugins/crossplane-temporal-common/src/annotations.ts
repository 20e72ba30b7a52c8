/*
 * Labels and annotations the workflows put on the claims and composites they manage. Watchers use
 * them to find the workflow that owns an object; people use them to see who asked for it.
 */

/** Label on every claim or composite the suite manages; watchers select on it. @public */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** @public */
export const MANAGED_BY_VALUE = 'crossplane-temporal';

/** Annotation: the ID of the workflow that owns the object. @public */
export const WORKFLOW_ID_ANNOTATION = 'crossplane-temporal.io/workflow-id';

/** Annotation: the Backstage entity that owns the resource, e.g. `group:default/team-alpha`. @public */
export const OWNER_ANNOTATION = 'crossplane-temporal.io/owner';

/** Annotation: the Backstage user who made the last accepted request. @public */
export const REQUESTED_BY_ANNOTATION = 'crossplane-temporal.io/requested-by';

/** Annotation: the ID of the request whose spec the object carries. @public */
export const REQUEST_ID_ANNOTATION = 'crossplane-temporal.io/request-id';

/**
 * The field manager of every server-side apply the suite makes, so that its fields are told apart
 * from those set by people and controllers.
 *
 * @public
 */
export const FIELD_MANAGER = 'crossplane-temporal';

/** Labels real Crossplane puts on composites and composed resources, which watchers follow. @public */
export const CROSSPLANE_LABELS = {
  claimName: 'crossplane.io/claim-name',
  claimNamespace: 'crossplane.io/claim-namespace',
  composite: 'crossplane.io/composite',
} as const;

/**
 * Annotations on an XRD by which the platform team sets the policy of the resources it defines
 * (app-config `crossplaneTemporal.xrds` overrides them per XRD). The backend derives each
 * request's policy from them; no request can set or widen it.
 *
 * @public
 */
export const POLICY_ANNOTATIONS = {
  /** Operations that wait for an approval, comma-separated: `provision,update,deprovision` (or `none`). */
  approval: 'crossplane-temporal.io/approval',
  /** Who may approve, comma-separated entity refs, e.g. `group:default/platform-team`. */
  approvers: 'crossplane-temporal.io/approvers',
  /** How long a request waits for a decision before it expires, in seconds. Default 86400. */
  approvalTimeoutSeconds: 'crossplane-temporal.io/approval-timeout-seconds',
  /** What to do when a resource is changed outside Backstage: `repair`, `notify` or `ignore`. */
  drift: 'crossplane-temporal.io/drift',
  /** How long Crossplane may take to report Ready before the operation fails, in seconds. */
  readyTimeoutSeconds: 'crossplane-temporal.io/ready-timeout-seconds',
} as const;

/**
 * The signal channel a resource's phase changes are sent on, to its owners. The message carries
 * `workflowId`, `ref`, `phase`, `previousPhase` and `at`.
 *
 * @public
 */
export const RESOURCE_SIGNAL_CHANNEL = 'crossplane-temporal:resource-phase';
