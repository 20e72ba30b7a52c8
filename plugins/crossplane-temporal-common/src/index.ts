/**
 * Types, identifiers, annotations, permissions and the REST API's client shared by the
 * crossplane-temporal plugins.
 *
 * @packageDocumentation
 */
export * from './resourceRef';
export * from './annotations';
export * from './types';
export * from './entityNames';
export * from './resourceEntity';
export * from './xrdPolicy';
export * from './xrdReport';
export * from './permissions';
export * from './api/types';
export * from './api/CrossplaneTemporalClient';
