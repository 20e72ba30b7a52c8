/*
 * The REST API through the typed client of -common, each call carrying a token the backend
 * plugin accepts as the caller's own credentials: `auth.getPluginRequestToken({ onBehalfOf })`
 * passes a user's identity on (a service's stays a service's), so the backend decides as it would
 * for that person's browser.
 */
import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import {
  CROSSPLANE_TEMPORAL_PLUGIN_ID,
  CrossplaneTemporalClient,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type {
  CrossplaneTemporalCallOptions,
  CrossplaneTemporalService,
} from './CrossplaneTemporalService';
import { refusalOf } from './refusals';

/** @public */
export interface DefaultCrossplaneTemporalServiceOptions {
  discovery: DiscoveryService;
  auth: AuthService;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** @public */
export class DefaultCrossplaneTemporalService
  implements CrossplaneTemporalService
{
  private readonly client: CrossplaneTemporalClient;
  private readonly fetch: typeof fetch;

  constructor(
    private readonly options: DefaultCrossplaneTemporalServiceOptions,
  ) {
    this.fetch = options.fetch ?? ((...args) => fetch(...args));
    this.client = new CrossplaneTemporalClient({
      discoveryApi: options.discovery,
      fetchApi: { fetch: this.fetch },
    });
  }

  provision: CrossplaneTemporalService['provision'] = (ref, body, options) =>
    this.call(options, token => this.client.provision(ref, body, { token }));

  update: CrossplaneTemporalService['update'] = (ref, body, options) =>
    this.call(options, token => this.client.update(ref, body, { token }));

  deprovision: CrossplaneTemporalService['deprovision'] = (
    ref,
    body,
    options,
  ) =>
    this.call(options, token => this.client.deprovision(ref, body, { token }));

  decideApproval: CrossplaneTemporalService['decideApproval'] = (
    ref,
    body,
    options,
  ) =>
    this.call(options, token =>
      this.client.decideApproval(ref, body, { token }),
    );

  retry: CrossplaneTemporalService['retry'] = (ref, body, options) =>
    this.call(options, token => this.client.retry(ref, body, { token }));

  getResource: CrossplaneTemporalService['getResource'] = (ref, options) =>
    this.call(options, token => this.client.getResource(ref, { token }));

  getPhase: CrossplaneTemporalService['getPhase'] = (ref, options) =>
    this.call(options, token => this.client.getPhase(ref, { token }));

  getSteps: CrossplaneTemporalService['getSteps'] = (ref, options) =>
    this.call(options, token => this.client.getSteps(ref, { token }));

  getTree: CrossplaneTemporalService['getTree'] = (ref, options) =>
    this.call(options, token => this.client.getTree(ref, { token }));

  listResources: CrossplaneTemporalService['listResources'] = (
    query,
    options,
  ) => this.call(options, token => this.client.listResources(query, { token }));

  listPendingApprovals: CrossplaneTemporalService['listPendingApprovals'] =
    options =>
      this.call(options, token => this.client.listPendingApprovals({ token }));

  listRequestableKinds: CrossplaneTemporalService['listRequestableKinds'] = (
    query,
    options,
  ) =>
    this.call(options, token =>
      this.client.listRequestableKinds(query, { token }),
    );

  dryRun: CrossplaneTemporalService['dryRun'] = (
    operation,
    ref,
    body,
    options,
  ) =>
    this.call(options, token =>
      this.client.dryRun(operation, ref, body, { token }),
    );

  private async call<T>(
    { credentials }: CrossplaneTemporalCallOptions,
    request: (token: string) => Promise<T>,
  ): Promise<T> {
    const { token } = await this.options.auth.getPluginRequestToken({
      onBehalfOf: credentials,
      targetPluginId: CROSSPLANE_TEMPORAL_PLUGIN_ID,
    });
    try {
      return await request(token);
    } catch (error) {
      throw refusalOf(
        error,
        await this.options.discovery.getBaseUrl(CROSSPLANE_TEMPORAL_PLUGIN_ID),
      );
    }
  }
}
