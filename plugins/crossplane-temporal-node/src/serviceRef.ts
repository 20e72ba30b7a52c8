/*
 * The service other backend plugins and modules depend on to reach the crossplane-temporal API.
 * Its default factory needs nothing but the core discovery and auth services, so a module only
 * lists it in its deps.
 */
import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import type { CrossplaneTemporalService } from './CrossplaneTemporalService';
import { DefaultCrossplaneTemporalService } from './DefaultCrossplaneTemporalService';

/**
 * The crossplane-temporal REST API, called with the credentials each call names.
 *
 * @public
 */
export const crossplaneTemporalServiceRef =
  createServiceRef<CrossplaneTemporalService>({
    id: 'crossplane-temporal.api',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        deps: {
          discovery: coreServices.discovery,
          auth: coreServices.auth,
        },
        factory: ({ discovery, auth }) =>
          new DefaultCrossplaneTemporalService({ discovery, auth }),
      }),
  });
