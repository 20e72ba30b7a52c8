/**
 * Types, identifiers and annotations shared by the crossplane-temporal plugins.
 *
 * @packageDocumentation
 */
export * from './resourceRef';
export * from './annotations';
export * from './types';
