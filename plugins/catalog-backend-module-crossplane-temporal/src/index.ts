/**
 * Catalog module: a scaffolder Template and an API entity for every Crossplane XRD, a Resource
 * entity for every resource the suite provisions.
 *
 * @packageDocumentation
 */
export { catalogModuleCrossplaneTemporal as default } from './module';
export * from './generator';
export * from './sources/types';
export * from './sources/extensionPoint';
export * from './report/XrdReportStore';
