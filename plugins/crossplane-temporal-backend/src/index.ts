/**
 * The crossplane-temporal backend plugin: durable Temporal workflows that reconcile Crossplane
 * claims and namespaced composites, their activities, cluster clients, watchers and worker.
 *
 * @packageDocumentation
 */
export {
  crossplaneTemporalPlugin as default,
  crossplaneTemporalWorkerPlugin,
} from './plugin';
export { createResourceActivities } from './activities/createResourceActivities';
export type { ResourceActivities } from './activities/types';
export { createClusterClients } from './cluster';
export { createResourceWatchers } from './watchers';
export { startResourceWorker } from './worker/startResourceWorker';
export { limitWorkerHeapGrowth } from './worker/runtime';
export { readTemporalSettings } from './worker/temporalConfig';
export * from './workflows/definitions';
