/**
 * Types, identifiers and annotations shared by the crossplane-temporal plugins.
 *
 * @packageDocumentation
 */
export * from './resourceRef';
export * from './annotations';
export * from './types';
export * from './entityNames';
export * from './xrdPolicy';
export * from './xrdReport';
