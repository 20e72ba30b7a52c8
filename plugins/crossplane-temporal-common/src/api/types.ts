/*
 * The REST API's request and answer types, by the names the OpenAPI document gives them. They
 * come from the document itself (src/schema/openapi.generated.ts, made at install time from
 * plugins/crossplane-temporal-backend/src/schema/openapi.yaml).
 */
import type {
  components,
  operations,
  paths,
} from '../schema/openapi.generated';

export type { components, operations, paths };

/** @public */
export type ApiResourceRef = components['schemas']['ResourceRef'];
/** @public */
export type Freshness = components['schemas']['Freshness'];
/** @public */
export type ResourceSummary = components['schemas']['ResourceSummary'];
/** @public */
export type ResourceList = components['schemas']['ResourceList'];
/** @public */
export type ResourceDetail = components['schemas']['Resource'];
/** @public */
export type ResourcePhaseAnswer = components['schemas']['ResourcePhaseAnswer'];
/** @public */
export type ResourceTree = components['schemas']['ResourceTree'];
/** @public */
export type ResourceTreeNode = components['schemas']['TreeNode'];
/** @public */
export type ResourceEvents = components['schemas']['ResourceEvents'];
/** @public */
export type KubeEvent = components['schemas']['KubeEvent'];
/** @public */
export type ResourceSteps = components['schemas']['ResourceSteps'];
/** @public */
export type ResourceHistory = components['schemas']['ResourceHistory'];
/** @public */
export type HistoryEntry = components['schemas']['HistoryEntry'];
/** @public */
export type ProvisionRequestBody = components['schemas']['ProvisionRequestBody'];
/** @public */
export type UpdateRequestBody = components['schemas']['UpdateRequestBody'];
/** @public */
export type DeprovisionRequestBody = components['schemas']['DeprovisionRequestBody'];
/** @public */
export type RetryRequestBody = components['schemas']['RetryRequestBody'];
/** @public */
export type ApprovalRequestBody = components['schemas']['ApprovalRequestBody'];
/** @public */
export type RequestAcceptedAnswer = components['schemas']['RequestAccepted'];
/** @public */
export type PendingApprovalList = components['schemas']['PendingApprovalList'];
/** @public */
export type PendingApprovalItem = components['schemas']['PendingApprovalItem'];
/** @public */
export type RequestableKind = components['schemas']['RequestableKind'];
/** @public */
export type RequestableKindList = components['schemas']['RequestableKindList'];
/** @public */
export type ListResourcesQuery = NonNullable<
  operations['ListResources']['parameters']['query']
>;
/** @public */
export type ListRequestableKindsQuery = NonNullable<
  operations['ListRequestableKinds']['parameters']['query']
>;

/**
 * How the API's paths name a resource: its cluster, namespace, API group, kind and name.
 *
 * @public
 */
export interface ResourcePathParams {
  cluster: string;
  namespace: string;
  group: string;
  kind: string;
  name: string;
}
