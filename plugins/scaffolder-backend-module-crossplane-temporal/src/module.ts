import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { DEFAULT_ENTITY_NAMESPACE } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { crossplaneTemporalServiceRef } from '@crossplane-temporal/plugin-crossplane-temporal-node';
import {
  createDeprovisionAction,
  createProvisionAction,
  createUpdateAction,
} from './actions';

/**
 * The crossplane-temporal actions for the scaffolder: `crossplane:resource:provision`,
 * `crossplane:resource:update` and `crossplane:resource:deprovision`. They call the
 * crossplane-temporal backend plugin through its -node service with each task's initiator's
 * credentials.
 *
 * @public
 */
export const scaffolderModuleCrossplaneTemporal = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'crossplane-temporal',
  register({ registerInit }) {
    registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        api: crossplaneTemporalServiceRef,
        config: coreServices.rootConfig,
      },
      async init({ scaffolder, api, config }) {
        const options = {
          api,
          appBaseUrl: config.getString('app.baseUrl'),
          // Where the catalog module puts Resource entities (its setting, read here too).
          entityNamespace:
            config.getOptionalString(
              'catalog.providers.crossplaneTemporal.entityNamespace',
            ) ?? DEFAULT_ENTITY_NAMESPACE,
        };
        scaffolder.addActions(
          createProvisionAction(options),
          createUpdateAction(options),
          createDeprovisionAction(options),
        );
      },
    });
  },
});
