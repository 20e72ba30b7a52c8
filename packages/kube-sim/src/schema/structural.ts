/*
 * What the API server does with a custom resource's OpenAPI v3 schema: apply defaults, then
 * validate types, enums, required fields, bounds and patterns, answering each problem with the
 * field path, as Kubernetes' `Invalid` causes do. Unknown fields are pruned unless the schema
 * preserves them.
 */
export interface FieldProblem {
  field: string;
  message: string;
}

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
};

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number')
    return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Fills in defaults and drops unknown fields, in place; returns the value. */
export function defaultAndPrune(schema: Schema | undefined, value: any): any {
  if (!schema || value === null || value === undefined) return value;
  if (
    schema.type === 'object' &&
    typeof value === 'object' &&
    !Array.isArray(value)
  ) {
    for (const [key, child] of Object.entries(schema.properties ?? {})) {
      if (value[key] === undefined && child.default !== undefined)
        value[key] = structuredClone(child.default);
      if (value[key] !== undefined)
        value[key] = defaultAndPrune(child, value[key]);
    }
    if (
      schema.properties &&
      !schema['x-kubernetes-preserve-unknown-fields'] &&
      !schema.additionalProperties
    ) {
      for (const key of Object.keys(value))
        if (!(key in schema.properties)) delete value[key];
    }
    if (typeof schema.additionalProperties === 'object') {
      for (const key of Object.keys(value)) {
        if (!schema.properties?.[key])
          value[key] = defaultAndPrune(schema.additionalProperties, value[key]);
      }
    }
  } else if (schema.type === 'array' && Array.isArray(value)) {
    return value.map(item => defaultAndPrune(schema.items, item));
  }
  return value;
}

export function validate(
  schema: Schema | undefined,
  value: unknown,
  path: string,
): FieldProblem[] {
  if (!schema) return [];
  if (value === null || value === undefined) {
    return value === null && !schema.nullable && schema.type
      ? [
          {
            field: path,
            message: `Invalid value: "null": ${path} in body must be of type ${schema.type}: "null"`,
          },
        ]
      : [];
  }
  const problems: FieldProblem[] = [];
  const actual = typeOf(value);
  const expected = schema.type;
  const typeOk =
    !expected ||
    schema['x-kubernetes-int-or-string'] ||
    expected === actual ||
    (expected === 'number' && actual === 'integer');
  if (!typeOk) {
    return [
      {
        field: path,
        message: `Invalid value: "${actual}": ${path} in body must be of type ${expected}: "${actual}"`,
      },
    ];
  }
  if (
    schema.enum &&
    !schema.enum.some(e => JSON.stringify(e) === JSON.stringify(value))
  ) {
    problems.push({
      field: path,
      message: `Unsupported value: ${JSON.stringify(
        value,
      )}: supported values: ${schema.enum
        .map(e => JSON.stringify(e))
        .join(', ')}`,
    });
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      problems.push({
        field: path,
        message: `Invalid value: ${value}: ${path} in body should be greater than or equal to ${schema.minimum}`,
      });
    if (schema.maximum !== undefined && value > schema.maximum)
      problems.push({
        field: path,
        message: `Invalid value: ${value}: ${path} in body should be less than or equal to ${schema.maximum}`,
      });
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength)
      problems.push({
        field: path,
        message: `Invalid value: "${value}": ${path} in body should be at least ${schema.minLength} chars long`,
      });
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      problems.push({
        field: path,
        message: `Too long: may not be longer than ${schema.maxLength}`,
      });
    if (schema.pattern && !new RegExp(schema.pattern).test(value))
      problems.push({
        field: path,
        message: `Invalid value: "${value}": ${path} in body should match '${schema.pattern}'`,
      });
  }
  if (actual === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (object[key] === undefined)
        problems.push({ field: `${path}.${key}`, message: 'Required value' });
    }
    for (const [key, child] of Object.entries(schema.properties ?? {})) {
      problems.push(...validate(child, object[key], `${path}.${key}`));
    }
    if (typeof schema.additionalProperties === 'object') {
      for (const [key, child] of Object.entries(object)) {
        if (!schema.properties?.[key])
          problems.push(
            ...validate(schema.additionalProperties, child, `${path}.${key}`),
          );
      }
    }
  }
  if (actual === 'array') {
    (value as unknown[]).forEach((item, i) =>
      problems.push(...validate(schema.items, item, `${path}[${i}]`)),
    );
  }
  return problems;
}
