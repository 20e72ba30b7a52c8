/**
 * Test utilities: a stand-in for the crossplane-temporal REST API.
 *
 * @packageDocumentation
 */
export * from './crossplaneTemporalApiFake';
export * from './openApiDocument';
export * from './startCrossplaneTemporalApiFake';
