/*
 * Checks a requested spec against its XRD's schema before anything is sent anywhere, in the
 * terms of the form the user filled in (messages from activities/schemaValidation.ts). As the API
 * server does, defaults are applied before validating; unlike it, fields the schema does not know
 * are refused instead of silently pruned, since a misspelt field is a mistake to report. Besides
 * the XRD's fields, a spec may carry the fields Crossplane adds to every claim or namespaced
 * composite for choosing a composition and where connection details go, but never those that bind
 * it to an existing composite (`resourceRef`, `resourceRefs`).
 */
import Ajv, { type ValidateFunction } from 'ajv';
import type { JsonObject } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { describeSchemaErrors } from '../activities/schemaValidation';
import type { RequestableXrd } from '../cache/xrds';

const ajv = new Ajv({
  strict: false,
  allErrors: true,
  validateFormats: false,
  useDefaults: true,
});

const SECRET_REF = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string' }, namespace: { type: 'string' } },
  additionalProperties: false,
};
const SELECTOR = { type: 'object', additionalProperties: true };
const REF = { type: 'object', additionalProperties: true };

/** Crossplane's own fields of a claim's spec (v1). */
const CLAIM_FIELDS: Record<string, unknown> = {
  compositionRef: REF,
  compositionSelector: SELECTOR,
  compositionRevisionRef: REF,
  compositionRevisionSelector: SELECTOR,
  compositionUpdatePolicy: { type: 'string', enum: ['Automatic', 'Manual'] },
  compositeDeletePolicy: { type: 'string', enum: ['Background', 'Foreground'] },
  writeConnectionSecretToRef: SECRET_REF,
  publishConnectionDetailsTo: REF,
};
/** Crossplane's own fields of a namespaced composite's spec (v2). */
const COMPOSITE_FIELDS: Record<string, unknown> = {
  crossplane: {
    type: 'object',
    properties: {
      compositionRef: REF,
      compositionSelector: SELECTOR,
      compositionRevisionRef: REF,
      compositionRevisionSelector: SELECTOR,
      compositionUpdatePolicy: {
        type: 'string',
        enum: ['Automatic', 'Manual'],
      },
    },
    additionalProperties: false,
  },
  writeConnectionSecretToRef: SECRET_REF,
};

/** The schema with unknown fields refused wherever it lists the fields an object has. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) out[key] = closed(value);
  if (
    out.properties &&
    out.additionalProperties === undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out.additionalProperties = false;
  }
  return out;
}

function validatorFor(xrd: RequestableXrd): ValidateFunction {
  const spec = closed(xrd.specSchema) as Record<string, any>;
  const crossplaneFields =
    xrd.scope === 'claim' ? CLAIM_FIELDS : COMPOSITE_FIELDS;
  return ajv.compile({
    ...spec,
    type: 'object',
    properties: { ...crossplaneFields, ...(spec.properties ?? {}) },
    additionalProperties:
      spec.properties || spec.additionalProperties === false ? false : true,
  });
}

const compiled = new Map<
  string,
  { version: string; validate: ValidateFunction }
>();

/** Problems with the spec, one line each naming the field; empty when it is valid. */
export function specProblems(xrd: RequestableXrd, spec: JsonObject): string[] {
  const key = `${xrd.cluster}|${xrd.name}`;
  let entry = compiled.get(key);
  if (!entry || entry.version !== xrd.resourceVersion) {
    entry = { version: xrd.resourceVersion, validate: validatorFor(xrd) };
    compiled.set(key, entry);
  }
  // Defaults are filled into a copy: what is sent is what the user asked for.
  const copy = structuredClone(spec);
  if (entry.validate(copy)) return [];
  return describeSchemaErrors(entry.validate.errors);
}
