import type { BackendFeature } from '@backstage/backend-plugin-api';
import {
  readOpenApiDocument,
  SAMPLE_RESOURCE_REF,
  startCrossplaneTemporalApiFake,
  type CrossplaneTemporalApiFakeOptions,
} from '@crossplane-temporal/plugin-crossplane-temporal-node/testUtils';

const openApiDocument = readOpenApiDocument(
  require.resolve(
    '@crossplane-temporal/plugin-crossplane-temporal-backend/src/schema/openapi.yaml',
  ),
);

/** The API's stand-in, validating against the plugin's OpenAPI document. */
export function startFakeApi(
  options: Partial<CrossplaneTemporalApiFakeOptions> = {},
  features: BackendFeature[] = [],
) {
  return startCrossplaneTemporalApiFake(
    { document: openApiDocument, ...options },
    features,
  );
}

export const ref = SAMPLE_RESOURCE_REF;

export const spec = { parameters: { storageGB: 20 } };

/** Options for the actions: fast polling, so tests do not sit in pauses made for production. */
export const testPolling = { initialMs: 5, maxMs: 20 };
