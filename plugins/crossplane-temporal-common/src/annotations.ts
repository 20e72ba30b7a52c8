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
