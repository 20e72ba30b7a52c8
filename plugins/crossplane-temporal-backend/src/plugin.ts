/*
 * The crossplane-temporal backend plugin: the REST API (src/schema/openapi.yaml) through which
 * people and other plugins ask for resources and see them, and the embedded worker (workflows,
 * activities and cluster watchers) unless app-config turns it off because standalone workers
 * (packages/worker) do that job.
 */
import {
  coreServices,
  createBackendPlugin,
  type LifecycleService,
  type LoggerService,
} from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import type { Config } from '@backstage/config';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { crossplaneTemporalPermissions } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import {
  notificationService,
  type NotificationService,
} from '@backstage/plugin-notifications-node';
import { startResourceApi } from './service/startResourceApi';
import { readTemporalSettings } from './worker/temporalConfig';
import {
  startResourceWorker,
  type RunningResourceWorker,
} from './worker/startResourceWorker';

/**
 * Starts the worker in the background, retrying with backoff while Temporal cannot be reached,
 * so that the rest of the backend serves requests meanwhile, and starts it again if it stops
 * without the backend stopping.
 */
function startInBackground(options: {
  config: Config;
  logger: LoggerService;
  notifications?: NotificationService;
}) {
  let stopped = false;
  let running: RunningResourceWorker | undefined;
  let wake: (() => void) | undefined;

  // Wakes early when the backend stops.
  const pause = (ms: number) =>
    new Promise<void>(resolve => {
      wake = resolve;
      setTimeout(resolve, ms).unref();
    });

  const loop = (async () => {
    // Failures in a row (to start, or to keep running for a minute) set the backoff.
    let failures = 0;
    while (!stopped) {
      try {
        running = await startResourceWorker(options);
        // The backend stopped while it started: stop it here (stop() saw none yet).
        if (stopped) {
          await running.stop();
          break;
        }
        const startedAt = Date.now();
        await running.stopped;
        if (stopped) break;
        // It stopped on its own (its log says why): let go of the rest and start it again.
        await running.stop();
        running = undefined;
        failures = Date.now() - startedAt > 60_000 ? 1 : failures + 1;
        options.logger.warn('the resource worker stopped; restarting it', {
          failures,
        });
      } catch (error) {
        failures += 1;
        options.logger.warn('could not start the resource worker; retrying', {
          failures,
          error: String(error),
        });
      }
      if (!stopped)
        await pause(Math.min(30_000, 1_000 * 2 ** Math.min(failures, 5)));
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake?.();
      await running?.stop();
      await loop;
    },
  };
}

/** Runs the worker for as long as the backend runs. */
function runWorkerWithBackend(options: {
  config: Config;
  logger: LoggerService;
  lifecycle: LifecycleService;
  notifications?: NotificationService;
}) {
  const { lifecycle, ...workerOptions } = options;
  let worker: { stop(): Promise<void> } | undefined;
  lifecycle.addStartupHook(() => {
    worker = startInBackground(workerOptions);
  });
  lifecycle.addShutdownHook(async () => {
    await worker?.stop();
  });
}

/** What a worker needs from the backend it runs in. */
const workerDeps = {
  config: coreServices.rootConfig,
  logger: coreServices.logger,
  lifecycle: coreServices.lifecycle,
  notifications: notificationService,
};

/** @public */
export const crossplaneTemporalPlugin = createBackendPlugin({
  pluginId: 'crossplane-temporal',
  register(env) {
    env.registerInit({
      deps: {
        ...workerDeps,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        userInfo: coreServices.userInfo,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        database: coreServices.database,
        catalog: catalogServiceRef,
        signals: signalsServiceRef,
        metrics: metricsServiceRef,
      },
      async init({ httpRouter, permissionsRegistry, ...deps }) {
        permissionsRegistry.addPermissions(crossplaneTemporalPermissions);
        const api = await startResourceApi(deps);
        // Every route needs a user's or a service's credentials: the router's default policy.
        httpRouter.use(api.router);

        if (!readTemporalSettings(deps.config).worker.enabled) {
          deps.logger.info(
            'embedded worker disabled (crossplaneTemporal.temporal.worker.enabled: false)',
          );
          return;
        }
        runWorkerWithBackend(deps);
      },
    });
  },
});

/**
 * Only the worker and the watchers, for standalone worker processes (packages/worker) that scale
 * out the workflows beside a backend whose embedded worker may be turned off. They send
 * notifications through the backend's notifications plugin, found through `discovery.endpoints`
 * as in any split Backstage deployment.
 *
 * @public
 */
export const crossplaneTemporalWorkerPlugin = createBackendPlugin({
  pluginId: 'crossplane-temporal-worker',
  register(env) {
    env.registerInit({
      deps: workerDeps,
      async init(deps) {
        runWorkerWithBackend(deps);
      },
    });
  },
});
