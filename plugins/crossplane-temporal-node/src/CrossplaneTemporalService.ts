/*
 * What other backend plugins and modules can ask of the crossplane-temporal backend plugin. Every
 * call names the credentials it is made with: those of the person (or service) the caller acts
 * for, so that the backend's permission checks, tenancy and audit see that person, exactly as
 * when they use the API from the browser.
 */
import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type {
  ApprovalRequestBody,
  DeprovisionRequestBody,
  DryRunAnswer,
  DryRunOperation,
  DryRunRequestBody,
  ListRequestableKindsQuery,
  ListResourcesQuery,
  PendingApprovalList,
  ProvisionRequestBody,
  RequestAcceptedAnswer,
  RequestableKindList,
  ResourceDetail,
  ResourceList,
  ResourcePhaseAnswer,
  ResourceRef,
  ResourceSteps,
  ResourceTree,
  RetryRequestBody,
  UpdateRequestBody,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';

/**
 * Per call: whose request it is. Pass what you were given (a scaffolder task's
 * `ctx.getInitiatorCredentials()`, an action's `credentials`, `httpAuth.credentials(req)`), never
 * your plugin's own credentials for something a person asked for.
 *
 * @public
 */
export interface CrossplaneTemporalCallOptions {
  credentials: BackstageCredentials;
}

/**
 * The crossplane-temporal REST API, called on behalf of the given credentials. Refusals come back
 * as `@backstage/errors` errors carrying the backend's message: `InputError` (400, 413),
 * `AuthenticationError` (401), `NotAllowedError` (403), `NotFoundError` (404), `ConflictError`
 * (409), `ServiceUnavailableError` (503, or the backend cannot be reached), and `ResponseError`
 * for anything else.
 *
 * @public
 */
export interface CrossplaneTemporalService {
  provision(
    ref: ResourceRef,
    body: ProvisionRequestBody,
    options: CrossplaneTemporalCallOptions,
  ): Promise<RequestAcceptedAnswer>;
  update(
    ref: ResourceRef,
    body: UpdateRequestBody,
    options: CrossplaneTemporalCallOptions,
  ): Promise<RequestAcceptedAnswer>;
  deprovision(
    ref: ResourceRef,
    body: DeprovisionRequestBody,
    options: CrossplaneTemporalCallOptions,
  ): Promise<RequestAcceptedAnswer>;
  decideApproval(
    ref: ResourceRef,
    body: ApprovalRequestBody,
    options: CrossplaneTemporalCallOptions,
  ): Promise<RequestAcceptedAnswer>;
  retry(
    ref: ResourceRef,
    body: RetryRequestBody,
    options: CrossplaneTemporalCallOptions,
  ): Promise<RequestAcceptedAnswer>;

  /**
   * What an operation would do, from the backend's checks and a server-side dry run as the
   * caller; nothing is written and no workflow is started.
   */
  dryRun<O extends DryRunOperation>(
    operation: O,
    ref: ResourceRef,
    body: DryRunRequestBody<O>,
    options: CrossplaneTemporalCallOptions,
  ): Promise<DryRunAnswer>;

  getResource(
    ref: ResourceRef,
    options: CrossplaneTemporalCallOptions,
  ): Promise<ResourceDetail>;
  getPhase(
    ref: ResourceRef,
    options: CrossplaneTemporalCallOptions,
  ): Promise<ResourcePhaseAnswer>;
  getSteps(
    ref: ResourceRef,
    options: CrossplaneTemporalCallOptions,
  ): Promise<ResourceSteps>;
  getTree(
    ref: ResourceRef,
    options: CrossplaneTemporalCallOptions,
  ): Promise<ResourceTree>;
  listResources(
    query: ListResourcesQuery,
    options: CrossplaneTemporalCallOptions,
  ): Promise<ResourceList>;
  listPendingApprovals(
    options: CrossplaneTemporalCallOptions,
  ): Promise<PendingApprovalList>;
  listRequestableKinds(
    query: ListRequestableKindsQuery,
    options: CrossplaneTemporalCallOptions,
  ): Promise<RequestableKindList>;
}
