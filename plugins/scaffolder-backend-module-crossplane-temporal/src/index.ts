/**
 * Scaffolder actions that provision, update and deprovision Crossplane resources through the
 * crossplane-temporal backend plugin.
 *
 * @packageDocumentation
 */
export { scaffolderModuleCrossplaneTemporal as default } from './module';
export * from './actions';
