import {
  readOpenApiDocument,
  startCrossplaneTemporalApiFake,
  type CrossplaneTemporalApiFakeOptions,
} from '../testUtils';

export const openApiDocument = readOpenApiDocument(
  require.resolve(
    '@crossplane-temporal/plugin-crossplane-temporal-backend/src/schema/openapi.yaml',
  ),
);

export function startFakeApi(
  options: Partial<CrossplaneTemporalApiFakeOptions> = {},
) {
  return startCrossplaneTemporalApiFake({
    document: openApiDocument,
    ...options,
  });
}
