/*
 * Values an XRD's schema refuses, made from a valid spec by breaking one constraint at a time:
 * types, enums, bounds, lengths, patterns, formats, multiples, list and map sizes, uniqueness,
 * and required fields without defaults. Each says which field and which keyword it breaks.
 */
import type { OpenApiSchema } from '../generator/xrd';

type Json = any;

export interface Violation {
  /** Path from spec, as the report names fields: `parameters.rules[].name`. */
  field: string;
  keyword: string;
  spec: Json;
}

type Step = string | number;

function setAt(root: Json, path: Step[], value: Json): Json {
  const copy = structuredClone(root);
  let node = copy;
  for (const step of path.slice(0, -1)) {
    if (node[step] === undefined) node[step] = {};
    node = node[step];
  }
  const last = path[path.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

function getAt(root: Json, path: Step[]): Json {
  return path.reduce(
    (node, step) => (node === null || node === undefined ? undefined : node[step]),
    root,
  );
}

const FORMAT_BREAKERS: Record<string, string> = {
  'date-time': 'yesterday',
  date: '31/12/2030',
  email: 'nobody',
  hostname: 'not a host!',
  uri: 'not a uri',
  ipv4: '999.1.1.1',
};

function scalarBreakers(node: OpenApiSchema): Array<[string, Json]> {
  const out: Array<[string, Json]> = [];
  if (node['x-kubernetes-int-or-string'] === true) {
    out.push(['type', true]);
    return out;
  }
  const type = node.type;
  if (type === 'string') out.push(['type', 12345]);
  if (type === 'integer') out.push(['type', 'twelve'], ['type', 1.5]);
  if (type === 'number') out.push(['type', 'many']);
  if (type === 'boolean') out.push(['type', 'yes']);
  if (Array.isArray(node.enum) && node.enum.length > 0)
    out.push(['enum', type === 'string' ? 'not-one-of-them' : 987654321]);
  const exclusiveMin = node.exclusiveMinimum === true;
  const exclusiveMax = node.exclusiveMaximum === true;
  if (typeof node.minimum === 'number')
    out.push(['minimum', exclusiveMin ? node.minimum : node.minimum - 1]);
  if (typeof node.maximum === 'number')
    out.push(['maximum', exclusiveMax ? node.maximum : node.maximum + 1]);
  if (typeof node.multipleOf === 'number') {
    const start = Math.max(node.minimum ?? 0, 0);
    const base = Math.ceil(start / node.multipleOf) * node.multipleOf;
    out.push([
      'multipleOf',
      base + Math.max(1, Math.floor(node.multipleOf / 2)),
    ]);
  }
  if (typeof node.minLength === 'number' && node.minLength > 0)
    out.push(['minLength', 'a'.repeat(node.minLength - 1)]);
  if (typeof node.maxLength === 'number')
    out.push(['maxLength', 'a'.repeat(node.maxLength + 1)]);
  if (typeof node.pattern === 'string') {
    let regex: RegExp | undefined;
    try {
      regex = new RegExp(node.pattern);
    } catch {
      regex = undefined;
    }
    const breaker = ['', ' ', 'Not Valid!', '-', '..', 'X'].find(
      s => !regex || !regex.test(s),
    );
    if (breaker !== undefined && node.minLength === undefined)
      out.push(['pattern', breaker]);
    else if (breaker !== undefined)
      out.push(['pattern', `${breaker}${'!'.repeat(node.minLength ?? 0)}`]);
  }
  if (node.format && FORMAT_BREAKERS[node.format])
    out.push(['format', FORMAT_BREAKERS[node.format]]);
  return out;
}

export function violationsOf(
  specSchema: OpenApiSchema | undefined,
  base: Json,
): Violation[] {
  const violations: Violation[] = [];
  const walk = (node: OpenApiSchema, path: Step[], field: string) => {
    const add = (keyword: string, value: Json, at: Step[] = path) =>
      violations.push({ field, keyword, spec: setAt(base, at, value) });
    const current = getAt(base, path);
    if (node.type === 'object' || node.properties) {
      if (current === undefined && path.length > 0) return;
      for (const key of node.required ?? []) {
        const child = node.properties?.[key];
        if (
          child &&
          child.default === undefined &&
          current?.[key] !== undefined
        )
          violations.push({
            field: field ? `${field}.${key}` : key,
            keyword: 'required',
            spec: setAt(base, [...path, key], undefined),
          });
      }
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        walk(child, [...path, key], field ? `${field}.${key}` : key);
      }
      const values = node.additionalProperties;
      if (typeof values === 'object' && values !== null && current) {
        const count = Object.keys(current).length;
        if (typeof node.maxProperties === 'number') {
          const extra = Object.fromEntries(
            Array.from(
              { length: Math.max(1, node.maxProperties + 1 - count) },
              (_, i) => [`extra${i}`, Object.values(current)[0]],
            ),
          );
          add('maxProperties', { ...current, ...extra });
        }
        for (const [keyword, value] of scalarBreakers(values))
          add(`values.${keyword}`, value, [...path, 'addedKey']);
        const first = Object.keys(current)[0];
        if (first !== undefined && values.properties)
          walk(values, [...path, first], `${field}.*`);
      }
      return;
    }
    if (node.type === 'array') {
      if (!Array.isArray(current)) return;
      if (typeof node.minItems === 'number' && node.minItems > 0)
        add('minItems', current.slice(0, node.minItems - 1));
      if (typeof node.maxItems === 'number' && current.length > 0)
        add(
          'maxItems',
          Array.from(
            { length: node.maxItems + 1 },
            (_, i) => current[i % current.length],
          ),
        );
      if (
        (node.uniqueItems || node['x-kubernetes-list-type'] === 'set') &&
        current.length > 0
      )
        add('uniqueItems', [current[0], current[0]]);
      if (node.items && current.length > 0)
        walk(node.items, [...path, 0], `${field}[]`);
      return;
    }
    if (
      current === undefined &&
      path.length > 1 &&
      getAt(base, path.slice(0, -1)) === undefined
    )
      return;
    for (const [keyword, value] of scalarBreakers(node)) add(keyword, value);
  };
  if (specSchema) walk(specSchema, [], '');
  return violations;
}
