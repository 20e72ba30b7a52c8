/**
 * The crossplane-temporal backend plugin: durable Temporal workflows that reconcile Crossplane
 * claims and namespaced composites, their activities, cluster clients, watchers and worker.
 *
 * @packageDocumentation
 */
export { crossplaneTemporalPlugin as default } from './plugin';
export { runResourceWorker } from './worker/runResourceWorker';
export { limitWorkerHeapGrowth } from './worker/runtime';
