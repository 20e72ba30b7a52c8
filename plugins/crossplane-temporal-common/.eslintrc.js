module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  // Made from the OpenAPI document at install time (scripts/generate-openapi.mjs).
  ignorePatterns: ['src/schema/openapi.generated.ts'],
});
