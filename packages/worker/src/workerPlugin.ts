/*
 * The standalone worker's one plugin: the resource worker and the cluster watchers, without the
 * crossplane-temporal plugin's other parts. It lives in this backend package, as modules local to
 * a backend do, because only this backend runs it (see README.md, "Why the plugin lives here").
 */
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { notificationService } from '@backstage/plugin-notifications-node';
import { runResourceWorker } from '@crossplane-temporal/plugin-crossplane-temporal-backend';

/**
 * Sends notifications through the main backend's notifications plugin, found through
 * `discovery.endpoints` as in any split Backstage deployment.
 */
export const crossplaneTemporalWorkerPlugin = createBackendPlugin({
  pluginId: 'crossplane-temporal-worker',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        lifecycle: coreServices.lifecycle,
        notifications: notificationService,
      },
      async init(deps) {
        runResourceWorker(deps);
      },
    });
  },
});
