/*
 * The inputs the actions share, twice over: as schema fields built with the scaffolder's injected
 * zod (types, no unknown fields, descriptions the template editor shows), and as a check in the
 * handler that says, field by field, what is wrong and what is expected. The schema alone would
 * refuse a bad name with a bare regular expression; the check names the rule.
 */
import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { parseEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  INPUT_PATTERNS,
  MAX_REQUEST_BYTES,
} from '@crossplane-temporal/plugin-crossplane-temporal-node';
import type { ResourceRef } from '@crossplane-temporal/plugin-crossplane-temporal-common';

/** The zod the scaffolder injects into a schema function (zod/v3, as the actions registry's). */
export type Zod = Parameters<
  Parameters<ActionsRegistryService['register']>[0]['schema']['input']
>[0];

function described(
  field: keyof typeof INPUT_PATTERNS,
  what: string,
): (z: Zod) => ReturnType<Zod['string']> {
  return z =>
    z.string().describe(`${what}: ${INPUT_PATTERNS[field].expected}.`);
}

/** The input fields that name the resource, for a template action's schema. */
export const resourceRefInput = {
  cluster: described('cluster', "The cluster's name in app-config"),
  namespace: described('namespace', 'The Kubernetes namespace'),
  apiVersion: described(
    'apiVersion',
    'The apiVersion of the claim or namespaced composite',
  ),
  kind: described('kind', 'The claim or namespaced composite kind'),
  name: described('name', "The resource's name"),
};

/** The names the resource fields follow, for checkInput. */
export const resourceRefRules = {
  cluster: { rule: 'cluster' },
  namespace: { rule: 'namespace' },
  apiVersion: { rule: 'apiVersion' },
  kind: { rule: 'kind' },
  name: { rule: 'name' },
} as const;

export function specInput(z: Zod) {
  return z
    .record(z.string(), z.unknown())
    .describe(
      "The resource's spec, as the kind's XRD schema describes it (at most 256 KB as JSON).",
    );
}

/** The resource's identity from checked input. */
export function refOf(input: ResourceRef): ResourceRef {
  const { cluster, namespace, apiVersion, kind, name } = input;
  return { cluster, namespace, apiVersion, kind, name };
}

/** Problems with one name-like field. */
function problemWith(
  field: string,
  value: unknown,
  rule: keyof typeof INPUT_PATTERNS,
  optional = false,
): string | undefined {
  if (value === undefined || (optional && value === '')) {
    return optional ? undefined : `${field} is required`;
  }
  const { pattern, maxLength, expected } = INPUT_PATTERNS[rule];
  if (typeof value !== 'string') {
    return `${field} must be a string (${expected}), not ${JSON.stringify(
      value,
    )}`;
  }
  if (value.length > maxLength || !pattern.test(value)) {
    return `${field} '${value.slice(0, 80)}${
      value.length > 80 ? '...' : ''
    }' is not valid: expected ${expected}`;
  }
  return undefined;
}

export interface InputRules {
  /** Every field the action takes. */
  allowed: readonly string[];
  /** Name-like fields and their rule; optional ones may be absent or empty. */
  names: Record<
    string,
    { rule: keyof typeof INPUT_PATTERNS; optional?: boolean }
  >;
  /** Whether `spec` is required (an object of at most 256 KB as JSON). */
  spec?: boolean;
  booleans?: readonly string[];
  /** Entity refs, full (`group:default/team-alpha`) or short (`team-alpha`); may be empty. */
  entityRefs?: readonly string[];
}

/**
 * Checks an action's input and throws an InputError listing every problem, before any request is
 * made. Templates call the actions with rendered values, so this is where a mistake in a
 * template or a form is explained.
 */
export function checkInput(
  actionId: string,
  input: Record<string, unknown>,
  rules: InputRules,
): void {
  const problems: string[] = [];
  for (const key of Object.keys(input)) {
    if (!rules.allowed.includes(key)) {
      problems.push(
        `'${key}' is not an input of this action; it takes ${rules.allowed.join(
          ', ',
        )}`,
      );
    }
  }
  for (const [field, { rule, optional }] of Object.entries(rules.names)) {
    const problem = problemWith(field, input[field], rule, optional);
    if (problem) problems.push(problem);
  }
  for (const field of rules.booleans ?? []) {
    const value = input[field];
    if (value !== undefined && typeof value !== 'boolean') {
      problems.push(
        `${field} must be true or false, not ${JSON.stringify(value)}`,
      );
    }
  }
  for (const field of rules.entityRefs ?? []) {
    const value = input[field];
    if (value === undefined || value === '') continue;
    try {
      if (typeof value !== 'string') throw new Error('not a string');
      parseEntityRef(value, { defaultKind: 'x', defaultNamespace: 'default' });
    } catch {
      problems.push(
        `${field} ${JSON.stringify(value).slice(
          0,
          80,
        )} is not an entity reference: expected ${
          INPUT_PATTERNS.entityRef.expected
        }`,
      );
    }
  }
  if (rules.spec) {
    const spec = input.spec;
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
      problems.push(
        `spec must be an object (the resource's spec as its XRD describes it), not ${
          spec === undefined ? 'missing' : JSON.stringify(spec).slice(0, 80)
        }`,
      );
    } else {
      const bytes = Buffer.byteLength(JSON.stringify(spec));
      if (bytes > MAX_REQUEST_BYTES) {
        problems.push(
          `spec is ${Math.ceil(bytes / 1024)} KB as JSON; at most ${
            MAX_REQUEST_BYTES / 1024
          } KB is accepted: keep large data out of the spec`,
        );
      }
    }
  }
  if (problems.length) {
    throw new InputError(
      `Invalid input to ${actionId}: ${problems.join('; ')}`,
    );
  }
}
