/**
 * The crossplane-temporal operations in Backstage's actions registry (alpha, as the registry is).
 *
 * @packageDocumentation
 */
import {
  createBackendModule,
  type BackendFeature,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { registerResourceActions } from './actions/resourceActions';
import { crossplaneTemporalServiceRef } from './serviceRef';

/**
 * Registers provision, update, deprovision, approval, retry, status, list and requestable kinds
 * as actions of the crossplane-temporal plugin (IDs `crossplane-temporal:<name>`). Add it beside
 * the backend plugin, and list `crossplane-temporal` in `backend.actions.pluginSources`.
 *
 * @alpha
 */
export const crossplaneTemporalActionsModule: BackendFeature =
  createBackendModule({
    pluginId: 'crossplane-temporal',
    moduleId: 'actions',
    register(env) {
      env.registerInit({
        deps: {
          actionsRegistry: actionsRegistryServiceRef,
          api: crossplaneTemporalServiceRef,
        },
        async init({ actionsRegistry, api }) {
          registerResourceActions({ actionsRegistry, api });
        },
      });
    },
  });

export default crossplaneTemporalActionsModule;
