/*
 * A typed client of the crossplane-temporal REST API, for the browser and for other backend
 * plugins (the -node service wraps it with a caller's credentials). Its types are the OpenAPI
 * document's; errors are Backstage's `ResponseError`, carrying the server's status and message.
 */
import { ResponseError } from '@backstage/errors';
import { apiGroupOf, type ResourceRef } from '../resourceRef';
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
  ResourceEvents,
  ResourceHistory,
  ResourceList,
  ResourcePhaseAnswer,
  ResourceSteps,
  ResourceTree,
  RetryRequestBody,
  UpdateRequestBody,
} from './types';

/** The plugin ID the backend serves the API under. @public */
export const CROSSPLANE_TEMPORAL_PLUGIN_ID = 'crossplane-temporal';

/** @public */
export interface CrossplaneTemporalClientOptions {
  discoveryApi: { getBaseUrl(pluginId: string): Promise<string> };
  /** Defaults to the global fetch. In the browser, Backstage's fetchApi adds the user's token. */
  fetchApi?: { fetch: typeof fetch };
}

/** Per call: the token to send as the caller's credentials (backend to backend). @public */
export interface CrossplaneTemporalRequestOptions {
  token?: string;
}

/** The API path of a resource. @public */
export function resourceApiPath(ref: ResourceRef): string {
  return [
    'resources',
    ref.cluster,
    ref.namespace,
    apiGroupOf(ref.apiVersion),
    ref.kind,
    ref.name,
  ]
    .map(encodeURIComponent)
    .join('/');
}

/** The API path of an operation's dry run. @public */
export function dryRunApiPath(
  ref: ResourceRef,
  operation: DryRunOperation,
): string {
  return `${resourceApiPath(ref)}/${operation}/dry-run`;
}

/** @public */
export class CrossplaneTemporalClient {
  private readonly discoveryApi: CrossplaneTemporalClientOptions['discoveryApi'];
  private readonly fetchApi: { fetch: typeof fetch };

  constructor(options: CrossplaneTemporalClientOptions) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi ?? { fetch: (...a) => fetch(...a) };
  }

  listResources(
    query: ListResourcesQuery = {},
    options?: CrossplaneTemporalRequestOptions,
  ): Promise<ResourceList> {
    return this.call('GET', 'resources', { query, ...options });
  }

  getResource(
    ref: ResourceRef,
    options?: CrossplaneTemporalRequestOptions,
  ): Promise<ResourceDetail> {
    return this.call('GET', resourceApiPath(ref), options);
  }

  getPhase(
    ref: ResourceRef,
    options?: CrossplaneTemporalRequestOptions,
  ): Promise<ResourcePhaseAnswer> {
    return this.call('GET', `${resourceApiPath(ref)}/phase`, options);
  }

  getTree(
    ref: ResourceRef,
    options?: CrossplaneTemporalRequestOptions,
  ): Promise<ResourceTree> {
    return this.call('GET', `${resourceApiPath(ref)}/tree`, options);
  }

  getEvents(
    ref: ResourceRef,
    options?: CrossplaneTemporalRequestOptions,
  ): Promise<ResourceEvents> {
    return this.call('GET', `${resourceApiPath(ref)}/events`, options);
  }

  getSteps(
    ref: ResourceRef,
    options?: CrossplaneTemporalRequestOptions,
  ): Promise<ResourceSteps> {
    return this.call('GET', `${resourceApiPath(ref)}/steps`, options);
  }

  getHistory(
    ref: ResourceRef,
    options?: CrossplaneTemporalRequestOptions,
  ): Promise<ResourceHistory> {
    return this.call('GET', `${resourceApiPath(ref)}/history`, options);
  }

  provision(
    ref: ResourceRef,
    body: ProvisionRequestBody,
    options?: CrossplaneTemporalRequestOptions,
  ): Promise<RequestAcceptedAnswer> {
    return this.call('POST', `${resourceApiPath(ref)}/provision`, {
      body,
      ...options,
    });
  }

  update(
    ref: ResourceRef,
    body: UpdateRequestBody,
    options?: CrossplaneTemporalRequestOptions,
  ): Promise<RequestAcceptedAnswer> {
    return this.call('POST', `${resourceApiPath(ref)}/update`, {
      body,
      ...options,
    });
  }

  deprovision(
    ref: ResourceRef,
    body: DeprovisionRequestBody = {},
    options?: CrossplaneTemporalRequestOptions,
  ): Promise<RequestAcceptedAnswer> {
    return this.call('POST', `${resourceApiPath(ref)}/deprovision`, {
      body,
      ...options,
    });
  }

  /** What `operation` would do, from a server-side dry run; nothing is written. */
  dryRun<O extends DryRunOperation>(
    operation: O,
    ref: ResourceRef,
    body: DryRunRequestBody<O>,
    options?: CrossplaneTemporalRequestOptions,
  ): Promise<DryRunAnswer> {
    return this.call('POST', dryRunApiPath(ref, operation), {
      body,
      ...options,
    });
  }

  decideApproval(
    ref: ResourceRef,
    body: ApprovalRequestBody,
    options?: CrossplaneTemporalRequestOptions,
  ): Promise<RequestAcceptedAnswer> {
    return this.call('POST', `${resourceApiPath(ref)}/approval`, {
      body,
      ...options,
    });
  }

  retry(
    ref: ResourceRef,
    body: RetryRequestBody = {},
    options?: CrossplaneTemporalRequestOptions,
  ): Promise<RequestAcceptedAnswer> {
    return this.call('POST', `${resourceApiPath(ref)}/retry`, {
      body,
      ...options,
    });
  }

  listPendingApprovals(
    options?: CrossplaneTemporalRequestOptions,
  ): Promise<PendingApprovalList> {
    return this.call('GET', 'approvals', options);
  }

  listRequestableKinds(
    query: ListRequestableKindsQuery = {},
    options?: CrossplaneTemporalRequestOptions,
  ): Promise<RequestableKindList> {
    return this.call('GET', 'kinds', { query, ...options });
  }

  private async call<T>(
    method: 'GET' | 'POST',
    path: string,
    options: CrossplaneTemporalRequestOptions & {
      query?: Record<string, string | number | undefined>;
      body?: unknown;
    } = {},
  ): Promise<T> {
    const base = await this.discoveryApi.getBaseUrl(
      CROSSPLANE_TEMPORAL_PLUGIN_ID,
    );
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) search.set(key, String(value));
    }
    const url = `${base}/${path}${search.size ? `?${search}` : ''}`;
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined)
      headers['content-type'] = 'application/json';
    const response = await this.fetchApi.fetch(url, {
      method,
      headers,
      body:
        options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return (await response.json()) as T;
  }
}
