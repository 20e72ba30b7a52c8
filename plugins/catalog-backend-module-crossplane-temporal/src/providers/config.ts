/*
 * The module's app-config: where the providers put entities, how often they list everything
 * again, template defaults, and the per-XRD settings platform teams keep in app-config.
 */
import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  type SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  DEFAULT_ENTITY_NAMESPACE,
  policySettingsFromConfig,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { GeneratorDefaults, XrdOverrides } from '../generator';

export interface CatalogModuleConfig {
  templates: {
    enabled: boolean;
    defaults: GeneratorDefaults;
    schedule: SchedulerServiceTaskScheduleDefinition;
  };
  resources: {
    enabled: boolean;
    entityNamespace: string;
    includeDiscovered: boolean;
    /** Owner of discovered resources that name none. */
    discoveredOwner?: string;
    schedule: SchedulerServiceTaskScheduleDefinition;
  };
  /** App-config's settings per XRD, by XRD name. */
  xrds: Map<string, XrdOverrides>;
  /** The app's base URL, for links to component pages. */
  appBaseUrl: string;
}

const PROVIDER_KEY = 'catalog.providers.crossplaneTemporal';

/** A full list every 30 minutes backs up the changes, which arrive as they happen. */
const DEFAULT_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { minutes: 30 },
  timeout: { minutes: 5 },
};

function schedule(config: Config | undefined) {
  return config?.has('schedule')
    ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
        config.getConfig('schedule'),
      )
    : DEFAULT_SCHEDULE;
}

function readXrdOverrides(config: Config): XrdOverrides {
  return {
    name: config.getString('name'),
    generate: config.getOptionalString('generate'),
    title: config.getOptionalString('title'),
    description: config.getOptionalString('description'),
    tags: config.getOptionalStringArray('tags'),
    type: config.getOptionalString('type'),
    owner: config.getOptionalString('owner'),
    system: config.getOptionalString('system'),
    waitForReady: config.getOptionalBoolean('waitForReady'),
    policy: policySettingsFromConfig(config.getOptionalConfig('policy')),
    fields: config.getOptionalConfigArray('fields')?.map(field => ({
      path: field.getString('path'),
      hidden: field.getOptionalBoolean('hidden'),
      advanced: field.getOptionalBoolean('advanced'),
      order: field.getOptionalNumber('order'),
      title: field.getOptionalString('title'),
      description: field.getOptionalString('description'),
    })),
  };
}

export function readCatalogModuleConfig(config: Config): CatalogModuleConfig {
  const provider = config.getOptionalConfig(PROVIDER_KEY);
  const templates = provider?.getOptionalConfig('templates');
  const resources = provider?.getOptionalConfig('resources');
  const entityNamespace =
    provider?.getOptionalString('entityNamespace') ?? DEFAULT_ENTITY_NAMESPACE;
  const xrds = new Map<string, XrdOverrides>();
  for (const xrd of config.getOptionalConfigArray('crossplaneTemporal.xrds') ??
    []) {
    const overrides = readXrdOverrides(xrd);
    if (xrds.has(overrides.name))
      throw new Error(
        `crossplaneTemporal.xrds lists ${overrides.name} twice; keep one entry per XRD`,
      );
    xrds.set(overrides.name, overrides);
  }
  return {
    templates: {
      enabled: templates?.getOptionalBoolean('enabled') ?? true,
      defaults: {
        entityNamespace,
        owner:
          templates?.getOptionalString('owner') ??
          'group:default/platform-team',
        templateType:
          templates?.getOptionalString('type') ?? 'crossplane-resource',
        tags: templates?.getOptionalStringArray('tags') ?? ['crossplane'],
      },
      schedule: schedule(templates),
    },
    resources: {
      enabled: resources?.getOptionalBoolean('enabled') ?? true,
      entityNamespace,
      includeDiscovered:
        resources?.getOptionalBoolean('includeDiscovered') ?? false,
      discoveredOwner: resources?.getOptionalString('discoveredOwner'),
      schedule: schedule(resources),
    },
    xrds,
    appBaseUrl: config.getString('app.baseUrl').replace(/\/+$/, ''),
  };
}
