/*
 * The crossplane-temporal backend plugin: the REST API through which people and other plugins
 * ask for resources and see them, and the embedded worker (workflows, activities and cluster
 * watchers) unless app-config turns it off because standalone workers (packages/worker) do that
 * job.
 */
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { crossplaneTemporalPermissions } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { startResourceApi } from './service/startResourceApi';
import { runEmbeddedWorker } from './worker/embeddedWorker';

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

        const { config, logger, lifecycle, notifications } = deps;
        runEmbeddedWorker({ config, logger, lifecycle, notifications });
      },
    });
  },
});
