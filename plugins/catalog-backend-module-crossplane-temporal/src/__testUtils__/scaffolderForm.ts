/*
 * The generated template seen as the scaffolder sees it: its pages split into JSON schema and UI
 * schema (as the form does), validated by the validator the form uses (@rjsf/validator-ajv8 with
 * ajv-errors), prefilled as the form prefills it, and its step input rendered by the engine the
 * scaffolder's task runner uses (nunjitsu, JSON coercion).
 */
import type { TemplateEntityV1beta3 } from '@backstage/plugin-scaffolder-common';
import { getDefaultFormState, type RJSFSchema } from '@rjsf/utils';
import { customizeValidator } from '@rjsf/validator-ajv8';
import ajvErrors from 'ajv-errors';
import { createTemplateRenderer } from 'nunjitsu';

type Json = any;

export const formValidator = customizeValidator();
ajvErrors(formValidator.ajv as any);

/** Removes the `ui:` keys, as the scaffolder's form does before validating. */
export function jsonSchemaOf(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(jsonSchemaOf);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('ui:')) continue;
    if (key === 'properties')
      out[key] = Object.fromEntries(
        Object.entries(value as object).map(([k, v]) => [k, jsonSchemaOf(v)]),
      );
    else if (key === 'items' || key === 'additionalProperties')
      out[key] = jsonSchemaOf(value);
    else out[key] = value;
  }
  return out;
}

export function pagesOf(template: TemplateEntityV1beta3): Json[] {
  return [template.spec.parameters ?? []].flat().map(jsonSchemaOf);
}

/** What each page's validation says about the values (empty: the form accepts them). */
export function formErrors(
  template: TemplateEntityV1beta3,
  values: Json,
): string[] {
  return pagesOf(template).flatMap(page => {
    const { errors } = formValidator.validateFormData(
      values,
      page as RJSFSchema,
    );
    return errors.map(e => `${e.property ?? ''} ${e.message ?? ''}`.trim());
  });
}

/** The values the form starts with: the schema's defaults, page by page. */
export function formDefaults(template: TemplateEntityV1beta3): Json {
  return pagesOf(template).reduce(
    (values, page) => ({
      ...values,
      ...(getDefaultFormState(
        formValidator,
        page as RJSFSchema,
        values,
      ) as object),
    }),
    {},
  );
}

const renderer = createTemplateRenderer({ allowRegexExecution: true });

/** The provision step's input for these form values, rendered as the task runner renders it. */
export function renderStepInput(
  template: TemplateEntityV1beta3,
  values: Json,
): Json {
  const context = renderer.prepareContext({ parameters: values });
  const input = template.spec.steps[0].input;
  return JSON.parse(JSON.stringify(input), (_key, value) => {
    try {
      if (typeof value === 'string')
        return renderer.renderValue(value, context, { coercion: 'json' });
    } catch {
      return value;
    }
    return value;
  });
}

/**
 * The page's field schema under a parameter key (`spec` or `advanced`), if the template has it:
 * as the validator sees it, or with its `ui:` keys (`raw`).
 */
export function pageField(
  template: TemplateEntityV1beta3,
  key: string,
  options: { raw?: boolean } = {},
): Json | undefined {
  const pages = options.raw
    ? [template.spec.parameters ?? []].flat()
    : pagesOf(template);
  for (const page of pages as Json[])
    if (page.properties?.[key]) return page.properties[key];
  return undefined;
}

/**
 * A resource's spec as form values: each field under the page key that asks for it (`spec` or
 * `advanced`); fields no page asks for (hidden ones) are dropped.
 */
export function splitSpec(template: TemplateEntityV1beta3, spec: Json) {
  const split = (value: Json, schema: Json | undefined): Json => {
    if (!schema) return undefined;
    if (
      schema.type !== 'object' ||
      !schema.properties ||
      typeof value !== 'object' ||
      value === null
    )
      return value;
    const out: Json = {};
    for (const [key, child] of Object.entries(value)) {
      const part = split(child, schema.properties[key]);
      if (part !== undefined) out[key] = part;
    }
    return Object.keys(out).length > 0 || Object.keys(value).length === 0
      ? out
      : undefined;
  };
  return {
    spec: split(spec, pageField(template, 'spec')),
    advanced: split(spec, pageField(template, 'advanced')),
  };
}

export function deepMerge(a: Json, b: Json): Json {
  if (typeof a !== 'object' || a === null || Array.isArray(a)) return b ?? a;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return b ?? a;
  const out: Json = { ...a };
  for (const [k, v] of Object.entries(b))
    out[k] = k in a ? deepMerge(a[k], v) : v;
  return out;
}

/** The whole set of form values for a resource, with the first page filled in. */
export function formValuesFor(
  template: TemplateEntityV1beta3,
  spec: Json,
  first: Json = {},
): Json {
  const clusters =
    template.metadata.annotations?.['crossplane-temporal.io/clusters'];
  const { spec: main, advanced } = splitSpec(template, spec);
  return {
    name: 'example',
    location: {
      cluster: clusters?.split(',')[0] ?? 'local',
      namespace: 'team-alpha',
    },
    owner: 'group:default/team-alpha',
    component: 'component:default/checkout-service',
    ...first,
    ...(main !== undefined ? { spec: main } : {}),
    ...(advanced !== undefined ? { advanced } : {}),
  };
}
