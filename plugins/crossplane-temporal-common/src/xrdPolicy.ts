/*
 * A resource's policy (approval, approvers, drift, timeouts) as a platform team writes it on the
 * XRD (annotations) or in app-config. One parser for the catalog, which shows the policy on the
 * template, and the backend, which enforces it, so both read the same words the same way.
 */
import { XRD_ANNOTATIONS } from './annotations';
import type { ResourcePolicy } from './types';

/**
 * The policy settings as written: annotation values, or the same strings from app-config.
 *
 * @public
 */
export interface XrdPolicySettings {
  /** `none`, `all`, or a comma-separated list of `provision`, `update`, `deprovision`. */
  approval?: string;
  /** Comma-separated `user:` or `group:` entity refs. */
  approvers?: string;
  /** A duration such as `72h` or `1d12h`. */
  approvalTimeout?: string;
  /** `repair`, `notify` or `ignore`. */
  drift?: string;
  /** A duration such as `10m`. */
  readyTimeout?: string;
}

/**
 * A setting that cannot be used as written.
 *
 * @public
 */
export interface XrdPolicyProblem {
  setting: keyof XrdPolicySettings;
  /** `error`: the policy cannot be enforced as meant; `warning`: a setting has no effect. */
  severity: 'error' | 'warning';
  message: string;
}

/** Ten minutes: what Crossplane's own providers need for most managed resources. @public */
export const DEFAULT_READY_TIMEOUT_SECONDS = 600;
/**
 * Three days, so that a request made before a weekend is still there to decide when approvers
 * are back.
 *
 * @public
 */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 72 * 3600;
/**
 * `notify`: a change someone made on purpose is reported to the owner, not undone; a platform
 * team that wants the suite to undo it says `repair` for its XRD. The workflow falls back to the
 * same when a resource has no policy.
 *
 * @public
 */
export const DEFAULT_DRIFT: ResourcePolicy['drift'] = 'notify';

const OPERATIONS = ['provision', 'update', 'deprovision'] as const;
type Operation = (typeof OPERATIONS)[number];
const DRIFT_MODES: ReadonlyArray<ResourcePolicy['drift']> = [
  'repair',
  'notify',
  'ignore',
];
const APPROVER =
  /^(user|group):(?:([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/)?([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/**
 * Seconds in a duration written as days, hours, minutes and seconds (`1d12h`, `90m`, `45s`);
 * undefined when it is not one, or is zero.
 *
 * @public
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match || text.trim() === '') return undefined;
  const [, d, h, m, s] = match.map(part => Number(part ?? 0));
  const seconds = d * 86400 + h * 3600 + m * 60 + s;
  return seconds > 0 ? seconds : undefined;
}

/**
 * A duration in the same notation `parseDuration` reads, e.g. `1d12h`.
 *
 * @public
 */
export function formatDuration(seconds: number): string {
  const units: Array<[string, number]> = [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  let rest = Math.round(seconds);
  let text = '';
  for (const [unit, size] of units) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return text || '0s';
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map(item => item.trim())
    .filter(Boolean);

/**
 * The policy settings among an XRD's annotations.
 *
 * @public
 */
export function policySettingsFromAnnotations(
  annotations: Record<string, string> | undefined,
): XrdPolicySettings {
  const a = annotations ?? {};
  return withoutUndefined({
    approval: a[XRD_ANNOTATIONS.approval],
    approvers: a[XRD_ANNOTATIONS.approvers],
    approvalTimeout: a[XRD_ANNOTATIONS.approvalTimeout],
    drift: a[XRD_ANNOTATIONS.drift],
    readyTimeout: a[XRD_ANNOTATIONS.readyTimeout],
  });
}

/**
 * The part of a Backstage `Config` that `policySettingsFromConfig` reads.
 *
 * @public
 */
export interface XrdPolicyConfig {
  getOptionalString(key: string): string | undefined;
  getOptionalStringArray(key: string): string[] | undefined;
}

/**
 * The policy settings of one app-config entry (`crossplaneTemporal.xrds[].policy`): the same
 * words as the annotations, approvers as a list.
 *
 * @public
 */
export function policySettingsFromConfig(
  policy: XrdPolicyConfig | undefined,
): XrdPolicySettings | undefined {
  if (!policy) return undefined;
  return withoutUndefined({
    approval: policy.getOptionalString('approval'),
    approvers: policy.getOptionalStringArray('approvers')?.join(','),
    approvalTimeout: policy.getOptionalString('approvalTimeout'),
    drift: policy.getOptionalString('drift'),
    readyTimeout: policy.getOptionalString('readyTimeout'),
  });
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined),
  ) as T;
}

/**
 * Layers of settings, later ones winning setting by setting (e.g. annotations, then app-config).
 *
 * @public
 */
export function mergePolicySettings(
  ...layers: Array<XrdPolicySettings | undefined>
): XrdPolicySettings {
  return Object.assign({}, ...layers.map(l => withoutUndefined(l ?? {})));
}

function normaliseApprover(ref: string): string | undefined {
  const match = APPROVER.exec(ref);
  if (!match) return undefined;
  return `${match[1]}:${match[2] ?? 'default'}/${match[4]}`;
}

/**
 * The policy that settings describe, with defaults for what they leave out, and what is wrong
 * with them. When a setting is wrong, the policy holds its default (or no approval) and an error
 * says so: callers must not use a policy that has errors (the backend refuses requests for it,
 * the catalog makes no template).
 *
 * @public
 */
export function resolveXrdPolicy(settings: XrdPolicySettings): {
  policy: ResourcePolicy;
  problems: XrdPolicyProblem[];
} {
  const problems: XrdPolicyProblem[] = [];
  const error = (setting: keyof XrdPolicySettings, message: string) =>
    problems.push({ setting, severity: 'error', message });

  const duration = (
    setting: 'approvalTimeout' | 'readyTimeout',
    fallback: number,
  ) => {
    const text = settings[setting];
    if (text === undefined) return fallback;
    const seconds = parseDuration(text);
    if (seconds === undefined) {
      error(
        setting,
        `${setting} '${text}' is not a duration: write days, hours, minutes and seconds, e.g. '72h', '1d12h' or '30m'`,
      );
      return fallback;
    }
    return seconds;
  };

  let drift = DEFAULT_DRIFT;
  if (settings.drift !== undefined) {
    const value = settings.drift.trim() as ResourcePolicy['drift'];
    if (DRIFT_MODES.includes(value)) drift = value;
    else
      error(
        'drift',
        `drift '${settings.drift}' is not one of ${DRIFT_MODES.join(', ')}`,
      );
  }
  const readyTimeoutSeconds = duration(
    'readyTimeout',
    DEFAULT_READY_TIMEOUT_SECONDS,
  );

  const operations = approvalOperations(settings.approval, error);
  const approvers: string[] = [];
  for (const ref of list(settings.approvers)) {
    const normalised = normaliseApprover(ref);
    if (normalised) approvers.push(normalised);
    else
      error(
        'approvers',
        `approver '${ref}' is not a user or group entity ref, e.g. 'group:default/platform-team' or 'user:default/pat'`,
      );
  }
  const timeoutSeconds = duration(
    'approvalTimeout',
    DEFAULT_APPROVAL_TIMEOUT_SECONDS,
  );

  const policy: ResourcePolicy = { drift, readyTimeoutSeconds };
  if (operations.length > 0) {
    if (
      approvers.length === 0 &&
      !problems.some(p => p.setting === 'approvers')
    )
      error(
        'approvers',
        `approval is required to ${operations.join(
          ', ',
        )} but nobody may approve: list users or groups in approvers`,
      );
    policy.approval = { operations, approvers, timeoutSeconds };
  } else if (
    (approvers.length > 0 || settings.approvalTimeout !== undefined) &&
    !problems.some(p => p.setting === 'approval')
  ) {
    problems.push({
      setting:
        settings.approvalTimeout !== undefined
          ? 'approvalTimeout'
          : 'approvers',
      severity: 'warning',
      message:
        'approvers and approval timeout have no effect while approval is none: say which operations need one (e.g. approval: provision)',
    });
  }
  return { policy, problems };
}

function approvalOperations(
  text: string | undefined,
  error: (setting: keyof XrdPolicySettings, message: string) => void,
): Operation[] {
  const words = list(text?.toLowerCase());
  if (words.length === 0 || (words.length === 1 && words[0] === 'none'))
    return [];
  if (words.length === 1 && words[0] === 'all') return [...OPERATIONS];
  const unknown = words.filter(w => !OPERATIONS.includes(w as Operation));
  if (unknown.length > 0) {
    error(
      'approval',
      `approval '${text}' names ${unknown
        .map(w => `'${w}'`)
        .join(', ')}: write none, all, or a list of ${OPERATIONS.join(', ')}`,
    );
    return [];
  }
  return OPERATIONS.filter(op => words.includes(op));
}

/**
 * The policy in a sentence or two, for people reading a template.
 *
 * @public
 */
export function describePolicy(policy: ResourcePolicy): string {
  const parts: string[] = [];
  if (policy.approval) {
    parts.push(
      `Needs approval by ${policy.approval.approvers.join(
        ' or ',
      )} to ${policy.approval.operations.join(
        ', ',
      )} (a request expires after ${formatDuration(
        policy.approval.timeoutSeconds,
      )} without a decision).`,
    );
  } else {
    parts.push('No approval needed.');
  }
  const drift = {
    repair: 'Changes made outside Backstage are repaired.',
    notify: 'Changes made outside Backstage are reported to the owner.',
    ignore: 'Changes made outside Backstage are ignored.',
  }[policy.drift];
  parts.push(drift);
  parts.push(
    `Crossplane has ${formatDuration(
      policy.readyTimeoutSeconds,
    )} to report it ready.`,
  );
  return parts.join(' ');
}
