import type { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  catalog?: {
    providers?: {
      /** The crossplane-temporal catalog module's providers. */
      crossplaneTemporal?: {
        /** The catalog namespace of the templates, API and Resource entities. Default: `default`. */
        entityNamespace?: string;
        templates?: {
          /** A Template per XRD version and an API entity per XRD. Default: true. */
          enabled?: boolean;
          /** Owner of templates and API entities, unless an XRD names one. Default: `group:default/platform-team`. */
          owner?: string;
          /** The templates' spec.type, unless an XRD names one. Default: `crossplane-resource`. */
          type?: string;
          /** Tags on every template. Default: `[crossplane]`. */
          tags?: string[];
          /** How often every XRD is listed again (changes apply as they happen). Default: every 30 minutes. */
          schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
        };
        resources?: {
          /** A Resource entity per resource. Default: true. */
          enabled?: boolean;
          /** Also claims and namespaced composites found on the clusters, not made through Backstage. Default: false. */
          includeDiscovered?: boolean;
          /** Owner of discovered resources that name none, e.g. `group:default/platform-team`. */
          discoveredOwner?: string;
          /** How often every resource is listed again. Default: every 30 minutes. */
          schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
        };
      };
    };
  };

  crossplaneTemporal?: {
    /**
     * Settings per XRD, winning over the XRD's annotations setting by setting. An entry's
     * `policy` is declared with the backend plugin's settings, which enforces it; the catalog
     * module shows it on the XRD's templates.
     */
    xrds?: Array<{
      /** The XRD's metadata.name, e.g. `xpostgresqlinstances.database.example.org`. */
      name: string;
      /** `all` (template and API entity), `api-only` or `none`. */
      generate?: 'all' | 'api-only' | 'none';
      title?: string;
      description?: string;
      tags?: string[];
      type?: string;
      owner?: string;
      system?: string;
      /** Whether the template's run waits for Ready. Default: true. */
      waitForReady?: boolean;
      /** Form settings per field, by path from spec (e.g. `parameters.size`, `rules[].port`). */
      fields?: Array<{
        path: string;
        hidden?: boolean;
        advanced?: boolean;
        order?: number;
        title?: string;
        description?: string;
      }>;
    }>;
  };
}
