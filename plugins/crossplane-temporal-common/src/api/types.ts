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

/**
 * The OpenAPI document's schemas, by name.
 *
 * @public
 */
export type Schemas = components['schemas'];

/** @public */
export type ApiResourceRef = Schemas['ResourceRef'];
/** @public */
export type Freshness = Schemas['Freshness'];
/** @public */
export type ResourceSummary = Schemas['ResourceSummary'];
/** @public */
export type ResourceList = Schemas['ResourceList'];
/** @public */
export type ResourceDetail = Schemas['Resource'];
/** @public */
export type ResourcePhaseAnswer = Schemas['ResourcePhaseAnswer'];
/** @public */
export type ResourceTree = Schemas['ResourceTree'];
/** @public */
export type ResourceTreeNode = Schemas['TreeNode'];
/** @public */
export type ResourceEvents = Schemas['ResourceEvents'];
/** @public */
export type KubeEvent = Schemas['KubeEvent'];
/** @public */
export type ResourceSteps = Schemas['ResourceSteps'];
/** @public */
export type ResourceHistory = Schemas['ResourceHistory'];
/** @public */
export type HistoryEntry = Schemas['HistoryEntry'];
/** @public */
export type ProvisionRequestBody = Schemas['ProvisionRequestBody'];
/** @public */
export type UpdateRequestBody = Schemas['UpdateRequestBody'];
/** @public */
export type DeprovisionRequestBody = Schemas['DeprovisionRequestBody'];
/** @public */
export type RetryRequestBody = Schemas['RetryRequestBody'];
/** @public */
export type ApprovalRequestBody = Schemas['ApprovalRequestBody'];
/** @public */
export type RequestAcceptedAnswer = Schemas['RequestAccepted'];
/** What a dry run of provision, update or deprovision found. @public */
export type DryRunAnswer = Schemas['DryRunAnswer'];
/** One composed resource a dry run reports. @public */
export type DryRunComposedResource = DryRunAnswer['composed'][number];
/** The operations that have a dry run. @public */
export type DryRunOperation = DryRunAnswer['operation'];
/** The request body of an operation's dry run: the operation's own. @public */
export type DryRunRequestBody<O extends DryRunOperation> = {
  provision: ProvisionRequestBody;
  update: UpdateRequestBody;
  deprovision: DeprovisionRequestBody;
}[O];
/** @public */
export type PendingApprovalList = Schemas['PendingApprovalList'];
/** @public */
export type PendingApprovalItem = Schemas['PendingApprovalItem'];
/** @public */
export type RequestableKind = Schemas['RequestableKind'];
/** @public */
export type RequestableKindList = Schemas['RequestableKindList'];
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
