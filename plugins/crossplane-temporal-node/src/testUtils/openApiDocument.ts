import fs from 'node:fs';
import yaml from 'js-yaml';

/**
 * The crossplane-temporal OpenAPI document, parsed, from the backend plugin's
 * `src/schema/openapi.yaml` (pass its path: `require.resolve` of
 * `@crossplane-temporal/plugin-crossplane-temporal-backend/src/schema/openapi.yaml`).
 *
 * @public
 */
export function readOpenApiDocument(file: string): object {
  return yaml.load(fs.readFileSync(file, 'utf8')) as object;
}
