/*
 * The API entity for an XRD: the offered kind's Kubernetes API as an OpenAPI document, one set of
 * paths and one schema per served version, so the catalog's API page shows the platform's
 * offering, and the templates and resources made from it relate to it.
 */
import type { ApiEntity } from '@backstage/catalog-model';
import {
  ENTITY_ANNOTATIONS,
  xrdApiEntityName,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import YAML from 'yaml';
import type { GeneratorDefaults, XrdSettings } from './settings';
import type {
  CompositeResourceDefinition,
  OfferedKind,
  XrdVersion,
} from './xrd';

export interface ApiParts {
  xrd: CompositeResourceDefinition;
  offered: OfferedKind;
  versions: XrdVersion[];
  settings: XrdSettings;
  defaults: GeneratorDefaults;
  clusters: string[];
}

const ok = (description: string, schema?: string) => ({
  description,
  ...(schema
    ? {
        content: {
          'application/json': {
            schema: { $ref: `#/components/schemas/${schema}` },
          },
        },
      }
    : {}),
});

function objectSchema(offered: OfferedKind, version: XrdVersion) {
  const schema = structuredClone(
    version.schema?.openAPIV3Schema ?? { type: 'object' },
  );
  schema.type = 'object';
  schema.properties = {
    apiVersion: { type: 'string', enum: [`${offered.group}/${version.name}`] },
    kind: { type: 'string', enum: [offered.kind] },
    metadata: {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string' }, namespace: { type: 'string' } },
    },
    ...(schema.properties ?? {}),
  };
  return schema;
}

/** The OpenAPI 3 document of the offered kind's API. */
export function openApiDefinition(parts: ApiParts): string {
  const { offered, versions, xrd } = parts;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  const namespace = {
    name: 'namespace',
    in: 'path',
    required: true,
    schema: { type: 'string' },
  };
  const name = {
    name: 'name',
    in: 'path',
    required: true,
    schema: { type: 'string' },
  };
  for (const version of versions) {
    const schemaName = `${offered.kind}.${version.name}`;
    schemas[schemaName] = objectSchema(offered, version);
    const collection = `/apis/${offered.group}/${version.name}/namespaces/{namespace}/${offered.plural}`;
    const tags = [version.name];
    const deprecated = version.deprecated ? { deprecated: true } : {};
    paths[collection] = {
      parameters: [namespace],
      get: {
        tags,
        ...deprecated,
        summary: `List ${offered.plural}`,
        responses: { '200': ok('The list') },
      },
      post: {
        tags,
        ...deprecated,
        summary: `Create a ${offered.kind}`,
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { $ref: `#/components/schemas/${schemaName}` },
            },
          },
        },
        responses: { '201': ok('Created', schemaName) },
      },
    };
    paths[`${collection}/{name}`] = {
      parameters: [namespace, name],
      get: {
        tags,
        ...deprecated,
        summary: `Read a ${offered.kind}`,
        responses: { '200': ok('The object', schemaName) },
      },
      delete: {
        tags,
        ...deprecated,
        summary: `Delete a ${offered.kind}`,
        responses: { '200': ok('Deleting') },
      },
    };
  }
  const latest = versions.find(v => !v.deprecated) ?? versions[0];
  const document = {
    openapi: '3.0.3',
    info: {
      title: `${offered.kind} (${offered.group})`,
      version: latest?.name ?? 'none',
      description:
        parts.settings.description ??
        latest?.schema?.openAPIV3Schema?.description ??
        `Defined by the Crossplane XRD ${xrd.metadata.name}.`,
    },
    paths,
    components: { schemas },
  };
  return YAML.stringify(document, { aliasDuplicateObjects: false });
}

export function buildApiEntity(parts: ApiParts): ApiEntity {
  const { offered, xrd, settings } = parts;
  const served = parts.versions.map(v => v.name);
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'API',
    metadata: {
      name: xrdApiEntityName(offered.group, offered.kind),
      namespace: parts.defaults.entityNamespace,
      title: `${settings.title ?? offered.kind} API`,
      description: `${
        offered.form === 'claim'
          ? 'Crossplane claim'
          : 'Crossplane namespaced composite'
      } ${offered.kind} (${offered.group}, versions ${served.join(
        ', ',
      )}), defined by the XRD ${xrd.metadata.name}.`,
      tags: settings.tags,
      annotations: {
        [ENTITY_ANNOTATIONS.xrd]: xrd.metadata.name,
        [ENTITY_ANNOTATIONS.kind]: offered.kind,
        [ENTITY_ANNOTATIONS.apiVersion]: `${offered.group}/${
          (parts.versions.find(v => !v.deprecated) ?? parts.versions[0]).name
        }`,
        [ENTITY_ANNOTATIONS.clusters]: parts.clusters.join(','),
      },
    },
    spec: {
      type: 'openapi',
      lifecycle: 'production',
      owner: settings.owner,
      ...(settings.system ? { system: settings.system } : {}),
      definition: openApiDefinition(parts),
    },
  };
}
