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
 * Annotations on the catalog entities the suite writes (`Resource` entities for resources,
 * `Template` and `API` entities for XRDs), naming what they stand for, so that the frontend and
 * the backend find the resource, its workflow and its XRD from the entity alone.
 *
 * @public
 */
export const ENTITY_ANNOTATIONS = {
  /** The cluster's name in app-config. */
  cluster: 'crossplane-temporal.io/cluster',
  /** The Kubernetes namespace of the claim or namespaced composite. */
  namespace: 'crossplane-temporal.io/namespace',
  /** `group/version` of the claim or composite. */
  apiVersion: 'crossplane-temporal.io/api-version',
  /** The claim's or composite's kind. */
  kind: 'crossplane-temporal.io/kind',
  /** The claim's or composite's name. */
  name: 'crossplane-temporal.io/name',
  /** The resource's workflow ID (the same annotation the cluster object carries). */
  workflowId: WORKFLOW_ID_ANNOTATION,
  /** The XRD (`metadata.name`) a template, API or resource comes from. */
  xrd: 'crossplane-temporal.io/xrd',
  /** The XRD version a template provisions. */
  xrdVersion: 'crossplane-temporal.io/xrd-version',
  /** The clusters (comma-separated) that offer a template's XRD. */
  clusters: 'crossplane-temporal.io/clusters',
  /**
   * A template's policy as the XRD declares it (JSON), for people to read. The backend enforces
   * the policy from the XRD itself, never from a template or a request.
   */
  policy: 'crossplane-temporal.io/policy',
} as const;

/**
 * Annotations a platform team puts on an XRD to shape its template, its API entity and the
 * policy of the resources made from it (app-config `crossplaneTemporal.xrds` overrides them per
 * XRD). The backend enforces the policy from these, read by `resolveXrdPolicy`; no request can set
 * or widen it. README of the catalog module: what each accepts.
 *
 * @public
 */
export const XRD_ANNOTATIONS = {
  /** `all` (default): template and API entity; `api-only`: the API entity; `none`: nothing. */
  generate: 'crossplane-temporal.io/generate',
  templateTitle: 'crossplane-temporal.io/template-title',
  templateDescription: 'crossplane-temporal.io/template-description',
  /** Comma-separated catalog tags. */
  templateTags: 'crossplane-temporal.io/template-tags',
  /** The template's `spec.type`, which the Create page filters by. */
  templateType: 'crossplane-temporal.io/template-type',
  /** The entity ref of the template's and API entity's owner. */
  templateOwner: 'crossplane-temporal.io/template-owner',
  /** The system (entity ref) the API entity belongs to. */
  system: 'crossplane-temporal.io/system',
  /** Operations that need an approval: `none` (default), `all`, or a list of provision, update, deprovision. */
  approval: 'crossplane-temporal.io/approval',
  /** Comma-separated users or groups (entity refs) who may approve. */
  approvers: 'crossplane-temporal.io/approvers',
  /** How long a request waits for a decision, e.g. `72h` (the default). */
  approvalTimeout: 'crossplane-temporal.io/approval-timeout',
  /** `notify` (default), `repair` or `ignore`: what happens when the object changes outside the suite. */
  drift: 'crossplane-temporal.io/drift',
  /** How long Crossplane may take to report Ready, e.g. `30m` (default `10m`). */
  readyTimeout: 'crossplane-temporal.io/ready-timeout',
  /** `true` (default): the template's run waits for Ready; `false`: it returns at once. */
  waitForReady: 'crossplane-temporal.io/wait-for-ready',
  /** Comma-separated field paths (from `spec`, e.g. `parameters.internalId`) left out of the form. */
  hiddenFields: 'crossplane-temporal.io/hidden-fields',
  /** Comma-separated field paths shown on the form's advanced page. */
  advancedFields: 'crossplane-temporal.io/advanced-fields',
  /** Comma-separated field paths, in the order the form shows them among their siblings. */
  fieldOrder: 'crossplane-temporal.io/field-order',
} as const;

/**
 * The signal channel a resource's phase changes are sent on, to its owners. The message carries
 * `workflowId`, `ref`, `phase`, `previousPhase` and `at`.
 *
 * @public
 */
export const RESOURCE_SIGNAL_CHANNEL = 'crossplane-temporal:resource-phase';
