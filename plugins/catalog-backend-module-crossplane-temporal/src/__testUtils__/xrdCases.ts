/*
 * Runs one XRD through the generator and checks what every generated template must satisfy: the
 * catalog and the scaffolder accept the entities; the form prefills the XRD's defaults; it accepts
 * the XRD's own examples and builds their spec back from the form's values; and it refuses each
 * value the XRD's schema refuses, unless the report says the form cannot check that field.
 */
import fs from 'node:fs';
import type { Entity } from '@backstage/catalog-model';
import type { TemplateEntityV1beta3 } from '@backstage/plugin-scaffolder-common';
import type { XrdReport } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import YAML from 'yaml';
import {
  generateXrdEntities,
  type GeneratedXrd,
} from '../generator/generateXrdEntities';
import type { GeneratorDefaults } from '../generator/settings';
import type {
  CompositeResourceDefinition,
  OpenApiSchema,
} from '../generator/xrd';
import { expectValidEntity } from './entityValidation';
import {
  deepMerge,
  formDefaults,
  formErrors,
  formValuesFor,
  renderStepInput,
  splitSpec,
} from './scaffolderForm';
import { violationsOf } from './violations';

type Json = any;

export const TEST_DEFAULTS: GeneratorDefaults = {
  entityNamespace: 'default',
  owner: 'group:default/platform-team',
  templateType: 'crossplane-resource',
  tags: ['crossplane'],
};

/** The YAML documents of a file. */
export function readYamlDocuments(file: string): Json[] {
  return YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map(d => d.toJSON())
    .filter(Boolean);
}

export function templatesOf(generated: GeneratedXrd): TemplateEntityV1beta3[] {
  return generated.entities.filter(
    e => e.kind === 'Template',
  ) as TemplateEntityV1beta3[];
}

export function templateFor(
  generated: GeneratedXrd,
  apiVersion: string,
): TemplateEntityV1beta3 {
  const template = templatesOf(generated).find(
    t =>
      t.metadata.annotations?.['crossplane-temporal.io/api-version'] ===
      apiVersion,
  );
  if (!template)
    throw new Error(
      `no template for ${apiVersion}; report: ${JSON.stringify(
        generated.report,
        null,
        2,
      )}`,
    );
  return template;
}

export function versionSpecSchema(
  xrd: CompositeResourceDefinition,
  version: string,
): OpenApiSchema | undefined {
  return xrd.spec.versions?.find(v => v.name === version)?.schema
    ?.openAPIV3Schema?.properties?.spec;
}

/** Fields (paths from spec) whose default the form should show, outside lists and maps. */
function defaultedFields(
  schema: OpenApiSchema | undefined,
  path: string[] = [],
): Array<{ path: string[]; value: unknown }> {
  if (!schema) return [];
  // Int-or-string fields are strings in the form.
  const value =
    schema['x-kubernetes-int-or-string'] === true &&
    schema.default !== undefined
      ? String(schema.default)
      : schema.default;
  const own = value !== undefined && path.length > 0 ? [{ path, value }] : [];
  if (schema.properties && schema.default === undefined)
    return Object.entries(schema.properties).flatMap(([key, child]) =>
      defaultedFields(child, [...path, key]),
    );
  return own;
}

const at = (value: Json, path: string[]) =>
  path.reduce((node, key) => (node === null || node === undefined ? undefined : node[key]), value);

/** A problem of the report about this field (or one that contains it). */
export function reportedField(report: XrdReport, field: string) {
  return report.problems.find(
    p =>
      p.field !== undefined &&
      (field === p.field ||
        field.startsWith(`${p.field}.`) ||
        field.startsWith(`${p.field}[]`)),
  );
}

export interface FormCheckResult {
  refused: number;
  reportedInstead: string[];
  hidden: string[];
}

/**
 * Everything a generated template must satisfy, for one XRD and its examples. Answers how many
 * bad values the form refused, and which it let through because the report says it cannot
 * check them.
 */
export async function checkXrd(
  xrd: CompositeResourceDefinition,
  examples: Json[],
  generated: GeneratedXrd = generateXrdEntities([{ cluster: 'local', xrd }], {
    defaults: TEST_DEFAULTS,
  }),
): Promise<FormCheckResult> {
  const result: FormCheckResult = {
    refused: 0,
    reportedInstead: [],
    hidden: [],
  };
  for (const entity of generated.entities)
    await expectValidEntity(entity as Entity);

  for (const template of templatesOf(generated)) {
    const version =
      template.metadata.annotations!['crossplane-temporal.io/xrd-version'];
    const defaults = formDefaults(template);
    for (const { path, value } of defaultedFields(
      versionSpecSchema(xrd, version),
    )) {
      const parts = splitSpec(template, setPath({}, path, value));
      const page =
        parts.advanced !== undefined && parts.spec === undefined
          ? 'advanced'
          : 'spec';
      if (parts.spec === undefined && parts.advanced === undefined) continue; // hidden
      expect({
        field: path.join('.'),
        value: at(defaults[page], path),
      }).toEqual({
        field: path.join('.'),
        value,
      });
    }
  }

  for (const example of examples) {
    const template = templateFor(generated, example.apiVersion);
    const version = example.apiVersion.split('/')[1];
    const values = formValuesFor(template, example.spec, {
      name: example.metadata.name,
      location: {
        cluster:
          template.metadata.annotations![
            'crossplane-temporal.io/clusters'
          ].split(',')[0],
        namespace: example.metadata.namespace,
      },
    });
    expect({
      example: example.metadata.name,
      errors: formErrors(template, values),
    }).toEqual({
      example: example.metadata.name,
      errors: [],
    });

    const input = renderStepInput(template, values);
    const parts = splitSpec(template, example.spec);
    const expectedSpec = deepMerge(parts.spec ?? {}, parts.advanced ?? {});
    const { writeConnectionSecretToRef, ...renderedSpec } = input.spec;
    expect(renderedSpec).toEqual(expectedSpec);
    expect(input).toMatchObject({
      apiVersion: example.apiVersion,
      kind: example.kind,
      name: example.metadata.name,
      namespace: example.metadata.namespace,
      owner: 'group:default/team-alpha',
      component: 'component:default/checkout-service',
    });
    if (writeConnectionSecretToRef)
      expect(writeConnectionSecretToRef).toEqual({
        name: `${example.metadata.name}-connection`,
      });

    for (const violation of violationsOf(
      versionSpecSchema(xrd, version),
      example.spec,
    )) {
      const bad = formValuesFor(template, violation.spec);
      const errors = formErrors(template, bad);
      if (errors.length > 0) {
        result.refused += 1;
        continue;
      }
      const asked = splitSpec(template, violation.spec);
      const kept = JSON.stringify(
        deepMerge(asked.spec ?? {}, asked.advanced ?? {}),
      );
      const before = JSON.stringify(
        deepMerge(
          splitSpec(template, example.spec).spec ?? {},
          splitSpec(template, example.spec).advanced ?? {},
        ),
      );
      const problem = reportedField(generated.report, violation.field);
      if (kept === before && violation.keyword !== 'required' && !problem) {
        // The form does not ask for this field (hidden): the cluster applies its default.
        result.hidden.push(violation.field);
        continue;
      }
      if (!problem)
        throw new Error(
          `the form accepted a value the XRD refuses (${violation.keyword} of ${
            violation.field
          }) and the report says nothing about it: ${JSON.stringify(
            violation.spec,
          )}`,
        );
      result.reportedInstead.push(
        `${violation.field} (${violation.keyword}): ${problem.reason}`,
      );
    }
  }
  return result;
}

function setPath(root: Json, path: string[], value: unknown) {
  let node = root;
  path.slice(0, -1).forEach(key => {
    node[key] ??= {};
    node = node[key];
  });
  node[path[path.length - 1]] = value;
  return root;
}
