/*
 * The catalog module: registers the template and resource providers and the template-to-API
 * relations on the catalog, with the sources another module sets through the extension point.
 */
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import {
  catalogProcessingExtensionPoint,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import { TemplateApiRelationProcessor } from './processors/TemplateApiRelationProcessor';
import { readCatalogModuleConfig } from './providers/config';
import { createXrdReportMetrics } from './providers/metrics';
import { ResourceEntityProvider } from './providers/ResourceEntityProvider';
import { XrdTemplateEntityProvider } from './providers/XrdTemplateEntityProvider';
import { xrdReportServiceRef } from './report/XrdReportStore';
import { crossplaneTemporalCatalogSourcesExtensionPoint } from './sources/extensionPoint';
import type { ResourceSource, XrdSource } from './sources/types';

/**
 * Templates and API entities from Crossplane XRDs, Resource entities from the resources the
 * suite provisions.
 *
 * @public
 */
export const catalogModuleCrossplaneTemporal = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'crossplane-temporal',
  register(reg) {
    let xrdSource: XrdSource | undefined;
    let resourceSource: ResourceSource | undefined;
    reg.registerExtensionPoint(crossplaneTemporalCatalogSourcesExtensionPoint, {
      setXrdSource(source) {
        xrdSource = source;
      },
      setResourceSource(source) {
        resourceSource = source;
      },
    });
    reg.registerInit({
      deps: {
        catalogProcessing: catalogProcessingExtensionPoint,
        catalog: catalogServiceRef,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        auth: coreServices.auth,
        metrics: metricsServiceRef,
        reports: xrdReportServiceRef,
      },
      async init({ catalogProcessing, catalog, config, logger, scheduler, auth, metrics, reports }) {
        const settings = readCatalogModuleConfig(config);
        catalogProcessing.addProcessor(new TemplateApiRelationProcessor());

        if (!settings.templates.enabled) {
          logger.info('templates from XRDs are switched off (catalog.providers.crossplaneTemporal.templates.enabled)');
        } else if (!xrdSource) {
          logger.warn('no XRD source is set, so no template is made from XRDs: install the module that provides it');
        } else {
          catalogProcessing.addEntityProvider(
            new XrdTemplateEntityProvider({
              source: xrdSource,
              defaults: settings.templates.defaults,
              overrides: settings.xrds,
              logger: logger.child({ provider: 'xrd-templates' }),
              reports,
              metrics: createXrdReportMetrics(metrics),
              taskRunner: scheduler.createScheduledTaskRunner(settings.templates.schedule),
            }),
          );
        }

        if (!settings.resources.enabled) {
          logger.info('Resource entities are switched off (catalog.providers.crossplaneTemporal.resources.enabled)');
        } else if (!resourceSource) {
          logger.warn('no resource source is set, so resources get no Resource entity: install the module that provides it');
        } else {
          catalogProcessing.addEntityProvider(
            new ResourceEntityProvider({
              source: resourceSource,
              entityNamespace: settings.resources.entityNamespace,
              appBaseUrl: settings.appBaseUrl,
              includeDiscovered: settings.resources.includeDiscovered,
              discoveredOwner: settings.resources.discoveredOwner,
              catalog,
              auth,
              logger: logger.child({ provider: 'resources' }),
              taskRunner: scheduler.createScheduledTaskRunner(settings.resources.schedule),
            }),
          );
        }
      },
    });
  },
});
