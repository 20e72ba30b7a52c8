/**
 * Catalog module: a scaffolder Template and an API entity for every Crossplane XRD, a Resource
 * entity for every resource the suite provisions.
 *
 * @packageDocumentation
 */
export * from './generator';
