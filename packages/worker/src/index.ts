/*
 * A standalone worker: the resource workflows, their activities and the cluster watchers, with
 * nothing else of Backstage but its config, logging, lifecycle and health endpoints. Run as many
 * as the load needs, with the same app-config as the backend (whose embedded worker can then be
 * turned off with crossplaneTemporal.temporal.worker.enabled: false).
 */
import { createBackend } from '@backstage/backend-defaults';
import { limitWorkerHeapGrowth } from '@crossplane-temporal/plugin-crossplane-temporal-backend';
import { crossplaneTemporalWorkerPlugin } from './workerPlugin';

// The process runs nothing but the worker: keep its heaps close to what is live.
limitWorkerHeapGrowth();

const backend = createBackend();
backend.add(crossplaneTemporalWorkerPlugin);
// A standalone worker still has to reach the notifications plugin of the main backend: configure
// `discovery.endpoints` for it in app-config.
backend.start();
