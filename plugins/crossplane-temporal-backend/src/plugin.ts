/*
 * The crossplane-temporal backend plugin. Today it runs the embedded worker (workflows,
 * activities and cluster watchers) unless app-config turns it off because standalone workers
 * (packages/worker) do that job.
 */
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { notificationService } from '@backstage/plugin-notifications-node';
import { runResourceWorker } from './worker/runResourceWorker';
import { readTemporalSettings } from './worker/temporalConfig';

/** @public */
export const crossplaneTemporalPlugin = createBackendPlugin({
  pluginId: 'crossplane-temporal',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        lifecycle: coreServices.lifecycle,
        notifications: notificationService,
      },
      async init({ config, logger, lifecycle, notifications }) {
        if (readTemporalSettings(config).worker.enabled) {
          runResourceWorker({ config, logger, lifecycle, notifications });
        } else {
          logger.info(
            'embedded worker disabled (crossplaneTemporal.temporal.worker.enabled: false)',
          );
        }
      },
    });
  },
});
