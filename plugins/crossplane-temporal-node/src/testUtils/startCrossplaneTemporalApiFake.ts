import {
  createBackendPlugin,
  type BackendFeature,
} from '@backstage/backend-plugin-api';
import { startTestBackend } from '@backstage/backend-test-utils';
import type { CrossplaneTemporalService } from '../CrossplaneTemporalService';
import { crossplaneTemporalServiceRef } from '../serviceRef';
import {
  createCrossplaneTemporalApiFake,
  type CrossplaneTemporalApiFakeOptions,
} from './crossplaneTemporalApiFake';

/**
 * A test backend with the API's stand-in, the given features, and a probe plugin that hands out
 * the -node service as any other plugin gets it (the default factory, with the probe's own
 * discovery and auth).
 *
 * @public
 */
export async function startCrossplaneTemporalApiFake(
  options: CrossplaneTemporalApiFakeOptions,
  features: Array<BackendFeature | Promise<{ default: BackendFeature }>> = [],
) {
  const fake = createCrossplaneTemporalApiFake(options);
  let api: CrossplaneTemporalService | undefined;
  const probe = createBackendPlugin({
    pluginId: 'crossplane-temporal-probe',
    register(env) {
      env.registerInit({
        deps: { service: crossplaneTemporalServiceRef },
        async init({ service }) {
          api = service;
        },
      });
    },
  });
  const backend = await startTestBackend({
    features: [fake.feature, probe, ...features],
  });
  return { backend, fake, api: api! };
}
