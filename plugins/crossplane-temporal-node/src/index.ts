/**
 * The crossplane-temporal REST API for other backend plugins and modules: a service that calls it
 * with the caller's own credentials, so one permission path serves the browser, the scaffolder,
 * other plugins and AI assistants alike.
 *
 * @packageDocumentation
 */
export * from './CrossplaneTemporalService';
export * from './DefaultCrossplaneTemporalService';
export * from './serviceRef';
export * from './phases';
export * from './inputPatterns';
