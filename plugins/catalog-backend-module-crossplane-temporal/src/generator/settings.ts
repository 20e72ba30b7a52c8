/*
 * Per-XRD settings (generation switch, presentation, policy, field rules) as the XRD's
 * annotations and app-config give them. App-config wins over annotations, setting by setting, so
 * an operator can correct an XRD they do not own.
 */
import {
  mergePolicySettings,
  policySettingsFromAnnotations,
  resolveXrdPolicy,
  XRD_ANNOTATIONS,
  type ResourcePolicy,
  type XrdPolicySettings,
  type XrdProblem,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { CompositeResourceDefinition } from './xrd';

/**
 * What a field rule says about one field.
 *
 * @public
 */
export interface FieldRule {
  hidden?: boolean;
  advanced?: boolean;
  order?: number;
  title?: string;
  description?: string;
}

/**
 * App-config's settings for one XRD (`crossplaneTemporal.xrds[]`).
 *
 * @public
 */
export interface XrdOverrides {
  /** The XRD's `metadata.name`. */
  name: string;
  generate?: string;
  title?: string;
  description?: string;
  tags?: string[];
  type?: string;
  owner?: string;
  system?: string;
  waitForReady?: boolean;
  policy?: XrdPolicySettings;
  fields?: Array<FieldRule & { path: string }>;
}

/**
 * What applies to every XRD unless it says otherwise.
 *
 * @public
 */
export interface GeneratorDefaults {
  /** The catalog namespace of the generated entities. */
  entityNamespace: string;
  /** Owner of the templates and API entities, e.g. `group:default/platform-team`. */
  owner: string;
  /** The templates' `spec.type`. */
  templateType: string;
  /** Tags on every template. */
  tags: string[];
}

/** @public */
export type GenerateMode = 'all' | 'api-only' | 'none';

export interface XrdSettings {
  generate: GenerateMode;
  title?: string;
  description?: string;
  tags: string[];
  type: string;
  owner: string;
  system?: string;
  waitForReady: boolean;
  policy: ResourcePolicy;
  /** Field rules by path (from `spec`), from annotations and from app-config. */
  fieldRules: {
    annotations: Map<string, FieldRule>;
    config: Map<string, FieldRule>;
  };
}

const GENERATE_MODES: GenerateMode[] = ['all', 'api-only', 'none'];
const TAG = /^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$/;
const ENTITY_REF =
  /^([a-zA-Z][a-zA-Z0-9-]*:)?([a-z0-9][-a-z0-9]*\/)?[A-Za-z0-9][-A-Za-z0-9_.]*$/;

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map(item => item.trim())
    .filter(Boolean);

/** A field path as written (`spec.parameters.size`, `parameters.rules[].port`), from `spec`. */
export function normaliseFieldPath(path: string): string {
  return path
    .trim()
    .replace(/^spec\./, '')
    .replace(/\s+/g, '');
}

function annotationFieldRules(
  annotations: Record<string, string>,
  problems: XrdProblem[],
): Map<string, FieldRule> {
  const rules = new Map<string, FieldRule>();
  const rule = (path: string) => {
    const key = normaliseFieldPath(path);
    if (!rules.has(key)) rules.set(key, {});
    return rules.get(key)!;
  };
  for (const path of list(annotations[XRD_ANNOTATIONS.hiddenFields]))
    rule(path).hidden = true;
  for (const path of list(annotations[XRD_ANNOTATIONS.advancedFields])) {
    const r = rule(path);
    if (r.hidden) {
      problems.push({
        severity: 'warning',
        reason: 'ConflictingOverrides',
        field: normaliseFieldPath(path),
        message: `${normaliseFieldPath(path)} is listed in both ${
          XRD_ANNOTATIONS.hiddenFields
        } and ${
          XRD_ANNOTATIONS.advancedFields
        }; it stays hidden: remove it from one of them`,
      });
    } else r.advanced = true;
  }
  list(annotations[XRD_ANNOTATIONS.fieldOrder]).forEach((path, index) => {
    rule(path).order = index + 1;
  });
  return rules;
}

function configFieldRules(
  fields: XrdOverrides['fields'],
): Map<string, FieldRule> {
  const rules = new Map<string, FieldRule>();
  for (const { path, ...rule } of fields ?? []) {
    const key = normaliseFieldPath(path);
    rules.set(key, { ...rules.get(key), ...rule });
  }
  return rules;
}

function cleanTags(
  tags: string[],
  source: string,
  problems: XrdProblem[],
): string[] {
  const result: string[] = [];
  for (const tag of tags) {
    const cleaned = tag
      .toLowerCase()
      .replace(/[^a-z0-9:+#]+/g, '-')
      .replace(/^-+|-+$/g, '');
    if (TAG.test(cleaned) && cleaned.length <= 63) {
      if (!result.includes(cleaned)) result.push(cleaned);
    } else {
      problems.push({
        severity: 'warning',
        reason: 'InvalidSetting',
        message: `tag '${tag}' from ${source} cannot be a catalog tag (lowercase letters, digits, dashes, at most 63 characters); it was left out`,
      });
    }
  }
  return result;
}

function entityRefSetting(
  value: string | undefined,
  name: string,
  problems: XrdProblem[],
): string | undefined {
  if (value === undefined) return undefined;
  if (ENTITY_REF.test(value.trim())) return value.trim();
  problems.push({
    severity: 'error',
    reason: 'InvalidSetting',
    message: `${name} '${value}' is not an entity ref: write e.g. 'group:default/platform-team'`,
  });
  return undefined;
}

/** The settings that apply to an XRD, and what is wrong with the ones given. */
export function readXrdSettings(
  xrd: CompositeResourceDefinition,
  overrides: XrdOverrides | undefined,
  defaults: GeneratorDefaults,
): { settings: XrdSettings; problems: XrdProblem[] } {
  const annotations = xrd.metadata.annotations ?? {};
  const problems: XrdProblem[] = [];
  const from = (key: keyof typeof XRD_ANNOTATIONS) =>
    annotations[XRD_ANNOTATIONS[key]];

  const generateText = (
    overrides?.generate ??
    from('generate') ??
    'all'
  ).trim();
  let generate: GenerateMode = 'all';
  if (GENERATE_MODES.includes(generateText as GenerateMode)) {
    generate = generateText as GenerateMode;
  } else {
    // A switch that cannot be read must not publish a template its owner may have meant to hide.
    generate = 'api-only';
    problems.push({
      severity: 'error',
      reason: 'InvalidSetting',
      message: `generate '${generateText}' is not one of ${GENERATE_MODES.join(
        ', ',
      )}; no template was made until it is`,
    });
  }

  const waitText = from('waitForReady');
  let waitForReady = overrides?.waitForReady ?? true;
  if (overrides?.waitForReady === undefined && waitText !== undefined) {
    if (waitText === 'true' || waitText === 'false')
      waitForReady = waitText === 'true';
    else
      problems.push({
        severity: 'warning',
        reason: 'InvalidSetting',
        message: `${XRD_ANNOTATIONS.waitForReady} '${waitText}' is neither true nor false; templates wait for Ready`,
      });
  }

  const policySettings = mergePolicySettings(
    policySettingsFromAnnotations(annotations),
    overrides?.policy,
  );
  const resolved = resolveXrdPolicy(policySettings);
  for (const p of resolved.problems) {
    problems.push({
      severity: p.severity,
      reason: 'InvalidSetting',
      message: `policy: ${p.message}`,
    });
  }

  const tags = [
    ...cleanTags(defaults.tags, 'the defaults', problems),
    ...cleanTags(
      overrides?.tags ?? list(from('templateTags')),
      overrides?.tags ? 'app-config' : XRD_ANNOTATIONS.templateTags,
      problems,
    ),
  ];

  const settings: XrdSettings = {
    generate,
    title: overrides?.title ?? from('templateTitle'),
    description: overrides?.description ?? from('templateDescription'),
    tags: [...new Set(tags)],
    type: (
      overrides?.type ??
      from('templateType') ??
      defaults.templateType
    ).trim(),
    owner:
      entityRefSetting(
        overrides?.owner ?? from('templateOwner'),
        'owner',
        problems,
      ) ?? defaults.owner,
    system: entityRefSetting(
      overrides?.system ?? from('system'),
      'system',
      problems,
    ),
    waitForReady,
    policy: resolved.policy,
    fieldRules: {
      annotations: annotationFieldRules(annotations, problems),
      config: configFieldRules(overrides?.fields),
    },
  };
  return { settings, problems };
}
