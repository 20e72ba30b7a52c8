/*
 * A test backend with the API's stand-in and a probe plugin that hands out the -node service as
 * any other plugin gets it (the default factory: discovery and auth of the probe plugin).
 */
import {
  createBackendPlugin,
  type BackendFeature,
} from '@backstage/backend-plugin-api';
import { startTestBackend } from '@backstage/backend-test-utils';
import type { CrossplaneTemporalService } from '../CrossplaneTemporalService';
import { crossplaneTemporalServiceRef } from '../serviceRef';
import {
  createCrossplaneTemporalApiFake,
  readOpenApiDocument,
  type CrossplaneTemporalApiFakeOptions,
} from '../testUtils';

export const openApiDocument = readOpenApiDocument(
  require.resolve(
    '@crossplane-temporal/plugin-crossplane-temporal-backend/src/schema/openapi.yaml',
  ),
);

export async function startFakeApi(
  options: Partial<CrossplaneTemporalApiFakeOptions> = {},
  extraFeatures: BackendFeature[] = [],
) {
  const fake = createCrossplaneTemporalApiFake({
    document: openApiDocument,
    ...options,
  });
  let api: CrossplaneTemporalService | undefined;
  const probe = createBackendPlugin({
    pluginId: 'probe',
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
    features: [fake.feature, probe, ...extraFeatures],
  });
  return { backend, fake, api: api! };
}
