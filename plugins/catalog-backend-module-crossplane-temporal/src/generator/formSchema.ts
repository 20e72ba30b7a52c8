/*
 * An XRD version's `spec` schema (Kubernetes structural OpenAPI v3) turned into the JSON schema
 * (draft-07) of the scaffolder's form, and the step input that builds the resource's `spec` back
 * from the form's values.
 *
 * Fields go to the main settings page or, when marked advanced, to the advanced page, at the same
 * path under another parameter key (`spec` or `advanced`); hidden fields go nowhere and get the
 * XRD's default on the cluster. Every constraint the form can check is kept, so the form refuses
 * what the cluster would refuse; what it cannot check is reported.
 */
import type {
  JsonObject,
  XrdProblem,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import {
  bindingToInput,
  hasLiteral,
  pagesOf,
  type Binding,
  type FormPage,
} from './formBindings';
import type { FieldRule, XrdSettings } from './settings';
import type { OpenApiSchema } from './xrd';

/** A JSON schema node of the form, with the scaffolder's `ui:` keys. */
export type FormSchema = { [key: string]: unknown };

interface WalkResult {
  /** The field's schema on the main page, if it is there. */
  spec?: FormSchema;
  /** The field's schema on the advanced page, if it is there. */
  advanced?: FormSchema;
  binding?: Binding;
  /** Why the form cannot ask for this field. */
  unsupported?: string;
}

interface WalkOptions {
  /** Path from `spec`, e.g. `parameters.rules[].port`. */
  path: string;
  /** Path of keys in the form's values, below the page key. */
  keys: string[];
  key: string;
  required: boolean;
  advanced: boolean;
  /** Inside an array's items or a map's values: fields cannot move to another page there. */
  inCollection: boolean;
}

export interface SpecForm {
  /** The main page's `spec` field (an object), absent when it would have no field. */
  spec?: FormSchema;
  /** The advanced page's `advanced` field, absent when no field is advanced. */
  advanced?: FormSchema;
  /** The step input's `spec`, with `${{ parameters.… }}` expressions. */
  input: JsonObject;
  /** Every field path the schema has, to check field rules against. */
  paths: Set<string>;
  problems: XrdProblem[];
}

// Formats both the cluster and the form's validator (ajv-formats) check the same way.
const SHARED_FORMATS = new Set([
  'date',
  'date-time',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'uri',
  'uuid',
]);
const SCALAR_TYPES = new Set(['string', 'integer', 'number', 'boolean']);
const COMPOSITION_KEYWORDS = ['oneOf', 'anyOf', 'allOf', 'not'] as const;

/** A label for a field from its key: `storageGB` → `Storage GB`, `retentionHours` → `Retention hours`. */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .split(/\s+/)
    .map((word, i) =>
      i > 0 && /^[A-Z][a-z]+$/.test(word) ? word.toLowerCase() : word,
    );
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Why the form's validator, which compiles patterns as Unicode regular expressions, refuses one. */
function unicodePatternError(pattern: string): string | undefined {
  try {
    RegExp(pattern, 'u');
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

class SpecFormBuilder {
  readonly problems: XrdProblem[] = [];
  readonly paths = new Set<string>();
  private readonly rulesByPath = new Map<string, FieldRule>();

  constructor(
    private readonly version: string,
    private readonly rules: XrdSettings['fieldRules'],
  ) {}

  private problem(
    severity: XrdProblem['severity'],
    reason: XrdProblem['reason'],
    field: string,
    message: string,
  ) {
    this.problems.push({
      severity,
      reason,
      ...(field ? { field } : {}),
      version: this.version,
      message: `${field || 'spec'}: ${message}`,
    });
  }

  /** Schema extensions, then annotations, then app-config: later ones win, rule by rule. */
  private ruleFor(path: string, node: OpenApiSchema): FieldRule {
    let rule = this.rulesByPath.get(path);
    if (!rule) {
      rule = this.readRule(path, node);
      this.rulesByPath.set(path, rule);
    }
    return rule;
  }

  private readRule(path: string, node: OpenApiSchema): FieldRule {
    const extension: FieldRule = {};
    const flag = (name: string, key: 'hidden' | 'advanced') => {
      const value = node[name];
      if (value === undefined) return;
      if (typeof value === 'boolean') extension[key] = value;
      else
        this.problem(
          'warning',
          'InvalidSetting',
          path,
          `${name} must be true or false, not ${JSON.stringify(
            value,
          )}; it was ignored`,
        );
    };
    flag('x-ui-hidden', 'hidden');
    flag('x-ui-advanced', 'advanced');
    const order = node['x-ui-order'];
    if (typeof order === 'number') extension.order = order;
    else if (order !== undefined)
      this.problem(
        'warning',
        'InvalidSetting',
        path,
        `x-ui-order must be a number, not ${JSON.stringify(
          order,
        )}; it was ignored`,
      );
    const defined = (rule: FieldRule | undefined) =>
      Object.fromEntries(
        Object.entries(rule ?? {}).filter(([, v]) => v !== undefined),
      );
    return {
      ...extension,
      ...defined(this.rules.annotations.get(path)),
      ...defined(this.rules.config.get(path)),
    };
  }

  private collectPaths(node: OpenApiSchema | undefined, path: string) {
    if (!node) return;
    this.paths.add(path);
    for (const [key, child] of Object.entries(node.properties ?? {}))
      this.collectPaths(child, `${path}.${key}`);
    if (node.items) this.collectPaths(node.items, `${path}[]`);
  }

  /** Keys in the order the form shows them: ordered ones first, then the schema's order. */
  private orderedKeys(node: OpenApiSchema, path: string): string[] {
    const keys = Object.keys(node.properties ?? {});
    const orderOf = (key: string) =>
      this.ruleFor(childPath(path, key), node.properties![key]).order;
    return keys
      .map((key, index) => ({ key, index, order: orderOf(key) }))
      .sort((a, b) => {
        if (a.order !== undefined && b.order !== undefined)
          return a.order - b.order || a.index - b.index;
        if (a.order !== undefined) return -1;
        if (b.order !== undefined) return 1;
        return a.index - b.index;
      })
      .map(({ key }) => key);
  }

  walk(node: OpenApiSchema, options: WalkOptions): WalkResult {
    const { path } = options;
    this.paths.add(path);
    const rule = this.ruleFor(path, node);
    if (rule.hidden) {
      this.collectPaths(node, path);
      if (options.required && node.default === undefined) {
        this.problem(
          'error',
          'ConflictingOverrides',
          path,
          'it is hidden but required and has no default, so the form could never make a valid resource: give it a default in the XRD, or do not hide it',
        );
      }
      return {};
    }
    let advanced = options.advanced;
    if (rule.advanced && !options.advanced) {
      if (options.inCollection)
        this.problem(
          'warning',
          'ConflictingOverrides',
          path,
          'a field inside a list or map cannot move to the advanced page without its list; it stays with it: mark the list advanced instead',
        );
      else advanced = true;
    }
    const opts = { ...options, advanced };
    this.reportUncheckable(node, path);

    if (node['x-kubernetes-int-or-string'] === true)
      return this.leaf(this.intOrString(node, rule, options.key), opts);
    if (node.type === 'array') return this.array(node, rule, opts);
    if (node.type === 'object' || (!node.type && node.properties)) {
      if (node.properties && Object.keys(node.properties).length > 0)
        return this.object(node, rule, opts);
      if (
        typeof node.additionalProperties === 'object' &&
        node.additionalProperties !== null
      )
        return this.map(node, rule, opts);
      return {
        unsupported:
          node['x-kubernetes-preserve-unknown-fields'] === true ||
          node.additionalProperties === true
            ? 'a free-form object (x-kubernetes-preserve-unknown-fields or additionalProperties: true without properties), which a form cannot ask for'
            : 'an object without properties, which a form cannot ask for',
      };
    }
    if (node.type && SCALAR_TYPES.has(node.type))
      return this.leaf(this.scalar(node, rule, path, options.key), opts);
    return {
      unsupported: node.type
        ? `type '${node.type}' is not one the form knows`
        : 'it has no type',
    };
  }

  /** Keywords the form cannot check: the cluster still checks them when the request is made. */
  private reportUncheckable(node: OpenApiSchema, path: string) {
    const rules = node['x-kubernetes-validations'];
    if (Array.isArray(rules) && rules.length > 0) {
      const said = rules
        .map(
          r =>
            (r as { message?: string; rule?: string }).message ??
            (r as { rule?: string }).rule,
        )
        .filter(Boolean)
        .join('; ');
      this.problem(
        'warning',
        'RulesNotInForm',
        path,
        `its validation rules (${said}) are checked by the cluster when the request is made, not by the form`,
      );
    }
    const keywords = COMPOSITION_KEYWORDS.filter(k => node[k] !== undefined);
    if (keywords.length > 0 && node['x-kubernetes-int-or-string'] !== true) {
      this.problem(
        'warning',
        'UnsupportedSchema',
        path,
        `${keywords.join(
          ', ',
        )} is checked by the cluster when the request is made, not by the form`,
      );
    }
  }

  private leaf(schema: FormSchema, opts: WalkOptions): WalkResult {
    const page: FormPage = opts.advanced ? 'advanced' : 'spec';
    return {
      [page]: schema,
      binding: { kind: 'value', page, path: opts.keys },
    };
  }

  private common(
    node: OpenApiSchema,
    rule: FieldRule,
    key: string,
  ): FormSchema {
    const out: FormSchema = {
      title: rule.title ?? node.title ?? humanize(key),
    };
    const description = rule.description ?? node.description;
    if (description) out.description = description;
    return out;
  }

  private intOrString(
    node: OpenApiSchema,
    rule: FieldRule,
    key: string,
  ): FormSchema {
    const out = this.common(node, rule, key);
    out.type = 'string';
    out.description = [out.description, 'A number or a name.']
      .filter(Boolean)
      .join(' ');
    if (node.default !== undefined) out.default = String(node.default);
    return out;
  }

  private scalar(
    node: OpenApiSchema,
    rule: FieldRule,
    path: string,
    key: string,
  ): FormSchema {
    const out = this.common(node, rule, key);
    out.type = node.type;
    if (Array.isArray(node.enum)) out.enum = node.enum.filter(v => v !== null);
    if (node.default !== undefined) out.default = node.default;
    if (node.format && SHARED_FORMATS.has(node.format))
      out.format = node.format;
    if (node.pattern !== undefined) {
      const refusal = unicodePatternError(node.pattern);
      if (refusal === undefined) out.pattern = node.pattern;
      else
        this.problem(
          'warning',
          'InvalidPattern',
          path,
          `pattern ${JSON.stringify(
            node.pattern,
          )} is not a JavaScript regular expression (${refusal}), so only the cluster checks it: write it without Go-only syntax`,
        );
    }
    for (const bound of ['minimum', 'maximum'] as const) {
      if (typeof node[bound] !== 'number') continue;
      const exclusive =
        bound === 'minimum' ? node.exclusiveMinimum : node.exclusiveMaximum;
      // OpenAPI 3.0 says "exclusive" with a boolean beside the bound; draft-07 with a number.
      if (exclusive === true)
        out[bound === 'minimum' ? 'exclusiveMinimum' : 'exclusiveMaximum'] =
          node[bound];
      else out[bound] = node[bound];
    }
    for (const keyword of ['multipleOf', 'minLength', 'maxLength'] as const) {
      if (typeof node[keyword] === 'number') out[keyword] = node[keyword];
    }
    return out;
  }

  private array(
    node: OpenApiSchema,
    rule: FieldRule,
    opts: WalkOptions,
  ): WalkResult {
    if (!node.items) return { unsupported: 'a list without an items schema' };
    const result = this.collection(node, rule, opts, {
      type: 'array',
      member: node.items,
      memberKeyword: 'items',
      memberPath: `${opts.path}[]`,
      noun: 'items',
      keywords: ['minItems', 'maxItems', 'uniqueItems'],
    });
    // Kubernetes refuses duplicates in a list of type set.
    const schema = result.spec ?? result.advanced;
    if (schema && node['x-kubernetes-list-type'] === 'set')
      schema.uniqueItems = true;
    return result;
  }

  private map(
    node: OpenApiSchema,
    rule: FieldRule,
    opts: WalkOptions,
  ): WalkResult {
    return this.collection(node, rule, opts, {
      type: 'object',
      member: node.additionalProperties as OpenApiSchema,
      memberKeyword: 'additionalProperties',
      memberPath: `${opts.path}.*`,
      noun: 'values',
      keywords: ['minProperties', 'maxProperties'],
    });
  }

  /** A list (its items) or a map (its values): the members stay on the collection's page. */
  private collection(
    node: OpenApiSchema,
    rule: FieldRule,
    opts: WalkOptions,
    shape: {
      type: 'array' | 'object';
      member: OpenApiSchema;
      memberKeyword: 'items' | 'additionalProperties';
      memberPath: string;
      noun: string;
      keywords: ReadonlyArray<keyof OpenApiSchema>;
    },
  ): WalkResult {
    const member = this.walk(shape.member, {
      ...opts,
      path: shape.memberPath,
      keys: [],
      required: true,
      inCollection: true,
    });
    if (member.unsupported)
      return { unsupported: `its ${shape.noun} are ${member.unsupported}` };
    const memberSchema = member.spec ?? member.advanced;
    if (!memberSchema)
      return {
        unsupported: `its ${shape.noun} are hidden, so the form cannot add any`,
      };
    // Members would repeat the collection's title; the form numbers or names them.
    delete memberSchema.title;
    const out = this.common(node, rule, opts.key);
    out.type = shape.type;
    out[shape.memberKeyword] = memberSchema;
    for (const keyword of shape.keywords) {
      if (node[keyword] !== undefined) out[keyword] = node[keyword];
    }
    if (node.default !== undefined) out.default = node.default;
    return this.leaf(out, opts);
  }

  private object(
    node: OpenApiSchema,
    rule: FieldRule,
    opts: WalkOptions,
  ): WalkResult {
    const required = new Set(node.required ?? []);
    const trees: Record<
      FormPage,
      { properties: FormSchema; required: string[] }
    > = {
      spec: { properties: {}, required: [] },
      advanced: { properties: {}, required: [] },
    };
    const bindings: Record<string, Binding> = {};
    for (const key of this.orderedKeys(node, opts.path)) {
      const child = node.properties![key];
      const path = childPath(opts.path, key);
      const isRequired = required.has(key);
      const result = this.walk(child, {
        ...opts,
        path,
        keys: [...opts.keys, key],
        key,
        required: isRequired,
      });
      if (result.unsupported) {
        const blocking = isRequired && child.default === undefined;
        this.paths.add(path);
        this.problem(
          blocking ? 'error' : 'warning',
          'UnsupportedSchema',
          path,
          `${result.unsupported}. ${
            blocking
              ? 'It is required, so the form could never make a valid resource: describe it with properties, give it a default, or make it optional'
              : 'The form leaves it out; the cluster applies its default, if any'
          }`,
        );
        continue;
      }
      for (const page of ['spec', 'advanced'] as const) {
        if (!result[page]) continue;
        trees[page].properties[key] = result[page];
        if (isRequired) trees[page].required.push(key);
      }
      if (result.binding) bindings[key] = result.binding;
    }

    const result: WalkResult = {};
    for (const page of ['spec', 'advanced'] as const) {
      const tree = trees[page];
      if (Object.keys(tree.properties).length === 0) continue;
      const schema = this.common(node, rule, opts.key);
      schema.type = 'object';
      schema.properties = tree.properties;
      if (tree.required.length > 0) schema.required = tree.required;
      const ordered = Object.keys(tree.properties);
      if (
        ordered.some(
          k =>
            this.ruleFor(childPath(opts.path, k), node.properties![k]).order !==
            undefined,
        )
      )
        schema['ui:order'] = [...ordered, '*'];
      result[page] = schema;
    }
    // Constraints on the object as a whole hold only where it is not split across pages.
    const only = result.spec ? result.spec : result.advanced;
    if (only && !(result.spec && result.advanced)) {
      if (node.default !== undefined) only.default = node.default;
      for (const keyword of ['minProperties', 'maxProperties'] as const)
        if (node[keyword] !== undefined) only[keyword] = node[keyword];
    }

    const pages = pagesOf({ kind: 'object', children: bindings });
    const literals = Object.values(bindings).some(hasLiteral);
    if (pages.size === 1 && !literals && opts.keys.length > 0) {
      result.binding = { kind: 'value', page: [...pages][0], path: opts.keys };
    } else if (Object.keys(bindings).length > 0) {
      result.binding = { kind: 'object', children: bindings };
    } else if (opts.required && node.default === undefined) {
      // Nothing to ask, but the object must exist for the cluster to fill in its defaults.
      result.binding = { kind: 'literal', value: {} };
    }
    return result;
  }
}

function childPath(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

/**
 * The form and step input for one XRD version's `spec`.
 *
 * @param specSchema - `openAPIV3Schema.properties.spec` of the version (may be absent)
 */
export function buildSpecForm(
  specSchema: OpenApiSchema | undefined,
  version: string,
  rules: XrdSettings['fieldRules'],
): SpecForm {
  const builder = new SpecFormBuilder(version, rules);
  const walked: WalkResult =
    specSchema?.properties && Object.keys(specSchema.properties).length > 0
      ? builder.walk(specSchema, {
          path: '',
          keys: [],
          key: 'spec',
          required: true,
          advanced: false,
          inCollection: false,
        })
      : {};
  builder.paths.delete('');
  const input =
    walked.binding?.kind === 'object'
      ? (bindingToInput(walked.binding) as JsonObject)
      : {};
  return {
    spec: walked.spec,
    advanced: walked.advanced,
    input,
    paths: builder.paths,
    problems: builder.problems,
  };
}
