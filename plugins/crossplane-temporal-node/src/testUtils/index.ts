/**
 * Test utilities: a stand-in for the crossplane-temporal REST API.
 *
 * @packageDocumentation
 */
export * from './crossplaneTemporalApiFake';
export * from './openApiDocument';
export * from './startCrossplaneTemporalApiFake';
// Types the stand-in's API names, so that a test can spell them from this entry point.
export type {
  CrossplaneTemporalCallOptions,
  CrossplaneTemporalService,
} from '../CrossplaneTemporalService';
export type { ResourcePhase } from '../phases';
export type {
  DryRunAnswer,
  DryRunComposedResource,
  DryRunOperation,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
