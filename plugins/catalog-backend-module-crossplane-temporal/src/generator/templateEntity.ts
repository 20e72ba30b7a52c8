/*
 * The scaffolder Template for one served version of an XRD: a page that says what the resource is
 * called, where it goes and whom it is for; the spec's settings; the advanced settings; and one
 * step, the provision action, which the backend runs with the XRD's own policy.
 */
import {
  boundedEntityName,
  describePolicy,
  ENTITY_ANNOTATIONS,
  type JsonObject,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { TemplateEntityV1beta3 } from '@backstage/plugin-scaffolder-common';
import type { FormSchema, SpecForm } from './formSchema';
import type { GeneratorDefaults, XrdSettings } from './settings';
import type {
  CompositeResourceDefinition,
  OfferedKind,
  XrdVersion,
} from './xrd';

/**
 * The action every generated template runs (the scaffolder module's).
 *
 * @public
 */
export const PROVISION_ACTION = 'crossplane:resource:provision';

/**
 * Form fields the frontend implements; their JSON schema still checks values on its own.
 *
 * @public
 */
export const FIELD_EXTENSIONS = {
  clusterNamespace: 'CrossplaneClusterNamespacePicker',
  resourceName: 'CrossplaneResourceNamePicker',
} as const;

/**
 * A Kubernetes name usable as a label value, as claim and composite names must be.
 *
 * @public
 */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS_LABEL_RULE =
  'lowercase letters, digits and dashes, starting and ending with a letter or digit, at most 63 characters';

export interface TemplateParts {
  xrd: CompositeResourceDefinition;
  version: XrdVersion;
  offered: OfferedKind;
  settings: XrdSettings;
  defaults: GeneratorDefaults;
  clusters: string[];
  form: SpecForm;
  /** Whether the XRD serves more than one version (the title then names it). */
  severalVersions: boolean;
}

export function templateEntityName(offered: OfferedKind, version: string) {
  return boundedEntityName(
    `${offered.kind.toLowerCase()}-${version}.${offered.group}`,
  );
}

function firstPage(parts: TemplateParts): FormSchema {
  const { offered, clusters, xrd } = parts;
  const apiVersion = `${offered.group}/${parts.version.name}`;
  return {
    title: `Name and owner`,
    description: describePolicy(parts.settings.policy),
    required: ['name', 'location', 'owner', 'component'],
    properties: {
      name: {
        title: 'Name',
        type: 'string',
        description: `The ${offered.kind}'s name in its namespace: ${DNS_LABEL_RULE}.`,
        minLength: 1,
        maxLength: 63,
        pattern: DNS_LABEL_PATTERN,
        errorMessage: { pattern: `Use ${DNS_LABEL_RULE}.` },
        'ui:field': FIELD_EXTENSIONS.resourceName,
        'ui:options': { apiVersion, kind: offered.kind },
        'ui:autofocus': true,
      },
      location: {
        title: 'Cluster and namespace',
        description:
          'Where the resource is made: a namespace your team may use.',
        type: 'object',
        required: ['cluster', 'namespace'],
        properties: {
          cluster: {
            title: 'Cluster',
            type: 'string',
            enum: clusters,
            ...(clusters.length === 1 ? { default: clusters[0] } : {}),
          },
          namespace: {
            title: 'Namespace',
            type: 'string',
            minLength: 1,
            maxLength: 63,
            pattern: DNS_LABEL_PATTERN,
          },
        },
        'ui:field': FIELD_EXTENSIONS.clusterNamespace,
        'ui:options': {
          xrd: xrd.metadata.name,
          apiVersion,
          kind: offered.kind,
        },
      },
      owner: {
        title: 'Owner',
        type: 'string',
        description: 'The team that owns the resource: one of your groups.',
        pattern: '^group:',
        'ui:field': 'MyGroupsPicker',
      },
      component: {
        title: 'Component',
        type: 'string',
        description:
          'The component the resource is for: one that you or your groups own. The resource appears on its page.',
        pattern: '^component:',
        'ui:field': 'OwnedEntityPicker',
        'ui:options': {
          catalogFilter: [{ kind: 'Component' }],
          defaultKind: 'Component',
          allowArbitraryValues: false,
        },
      },
    },
  };
}

function pageFor(key: 'spec' | 'advanced', title: string, schema: FormSchema) {
  // The page carries the title and description; the object under it only groups the fields.
  const { title: _title, description, ...field } = schema;
  return {
    title,
    ...(description ? { description } : {}),
    ...(Array.isArray(schema.required) && schema.required.length > 0
      ? { required: [key] }
      : {}),
    properties: { [key]: { ...field, title } },
  };
}

function specInput(parts: TemplateParts): JsonObject {
  const spec: JsonObject = { ...parts.form.input };
  const declared =
    parts.version.schema?.openAPIV3Schema?.properties?.spec?.properties
      ?.writeConnectionSecretToRef;
  // Claims get their connection secret where the XRD says it has keys, named after the claim.
  if (parts.offered.connectionSecret && !declared) {
    spec.writeConnectionSecretToRef = {
      name: '${{ parameters.name }}-connection',
    };
  }
  return spec;
}

export function buildTemplateEntity(
  parts: TemplateParts,
): TemplateEntityV1beta3 {
  const { offered, settings, version, xrd } = parts;
  const apiVersion = `${offered.group}/${version.name}`;
  const schema = version.schema?.openAPIV3Schema;
  const baseTitle = settings.title ?? offered.kind;
  const title = [
    baseTitle,
    parts.severalVersions ? version.name : undefined,
    version.deprecated ? '(deprecated)' : undefined,
  ]
    .filter(Boolean)
    .join(' ');
  const description = [
    settings.description ??
      schema?.description ??
      `A ${offered.kind} (${offered.group}), made by Crossplane.`,
    version.deprecated
      ? version.deprecationWarning ??
        `Version ${version.name} is deprecated: prefer a newer one.`
      : undefined,
    describePolicy(settings.policy),
  ]
    .filter(Boolean)
    .join('\n\n');

  const parameters: FormSchema[] = [firstPage(parts)];
  if (parts.form.spec)
    parameters.push(pageFor('spec', 'Settings', parts.form.spec));
  if (parts.form.advanced)
    parameters.push(
      pageFor('advanced', 'Advanced settings', parts.form.advanced),
    );

  return {
    apiVersion: 'scaffolder.backstage.io/v1beta3',
    kind: 'Template',
    metadata: {
      name: templateEntityName(offered, version.name),
      namespace: parts.defaults.entityNamespace,
      title,
      description,
      tags: [...settings.tags, ...(version.deprecated ? ['deprecated'] : [])],
      annotations: {
        [ENTITY_ANNOTATIONS.xrd]: xrd.metadata.name,
        [ENTITY_ANNOTATIONS.xrdVersion]: version.name,
        [ENTITY_ANNOTATIONS.apiVersion]: apiVersion,
        [ENTITY_ANNOTATIONS.kind]: offered.kind,
        [ENTITY_ANNOTATIONS.clusters]: parts.clusters.join(','),
        [ENTITY_ANNOTATIONS.policy]: JSON.stringify(settings.policy),
      },
    },
    spec: {
      type: settings.type,
      owner: settings.owner,
      lifecycle: version.deprecated ? 'deprecated' : 'production',
      parameters: parameters as TemplateEntityV1beta3['spec']['parameters'],
      steps: [
        {
          id: 'provision',
          name: `Provision the ${offered.kind}`,
          action: PROVISION_ACTION,
          input: {
            cluster: '${{ parameters.location.cluster }}',
            namespace: '${{ parameters.location.namespace }}',
            apiVersion,
            kind: offered.kind,
            name: '${{ parameters.name }}',
            owner: '${{ parameters.owner }}',
            component: '${{ parameters.component }}',
            spec: specInput(parts),
            waitForReady: settings.waitForReady,
          },
        },
      ],
      // The type says strings only; the scaffolder reads `links` (ScaffolderOutputLink) too.
      output: {
        links: [
          {
            title: `Open the ${offered.kind} in the catalog`,
            icon: 'catalog',
            entityRef: '${{ steps.provision.output.entityRef }}',
          },
          {
            title: "The component's resources",
            url: '${{ steps.provision.output.resourcesUrl }}',
          },
        ],
      } as unknown as Record<string, string>,
    },
  };
}
