/*
 * A resource's policy (approvals, drift, ready timeout) as the platform team set it for its kind:
 * annotations on the XRD, overridden per XRD by app-config (`crossplaneTemporal.xrds`). Derived by
 * the backend for every request; no request can name or widen it. A policy that cannot be read
 * (a malformed annotation) refuses requests for the kind rather than dropping an approval.
 */
import type { Config } from '@backstage/config';
import {
  POLICY_ANNOTATIONS,
  type ResourcePolicy,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';

type Operation = 'provision' | 'update' | 'deprovision';
const OPERATIONS: readonly Operation[] = ['provision', 'update', 'deprovision'];
const DRIFT_POLICIES = ['repair', 'notify', 'ignore'] as const;

export const DEFAULT_READY_TIMEOUT_SECONDS = 600;
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 86_400;
export const DEFAULT_DRIFT: ResourcePolicy['drift'] = 'notify';
const ENTITY_REF =
  /^[a-z][a-z0-9]*:[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[A-Za-z0-9][-A-Za-z0-9_.]*$/i;

/** One entry of `crossplaneTemporal.xrds`: what app-config says about an XRD's policy. */
export interface PolicyOverride {
  xrdName: string;
  /** Only on this cluster; every cluster when absent. */
  cluster?: string;
  /** `null`: no approvals, whatever the annotations say. */
  approval?: {
    operations: Operation[];
    approvers: string[];
    timeoutSeconds?: number;
  } | null;
  drift?: ResourcePolicy['drift'];
  readyTimeoutSeconds?: number;
}

export type PolicyResult =
  | { policy: ResourcePolicy; problem?: undefined }
  | { problem: string; policy?: undefined };

function readApproval(entry: Config): PolicyOverride['approval'] {
  const approval = entry.getOptional('approval');
  if (approval === undefined) return undefined;
  if (approval === false) return null;
  return {
    operations: entry.getStringArray('approval.operations') as Operation[],
    approvers: entry.getStringArray('approval.approvers'),
    timeoutSeconds: entry.getOptionalNumber('approval.timeoutSeconds'),
  };
}

export function readPolicyOverrides(config: Config): PolicyOverride[] {
  return (config.getOptionalConfigArray('crossplaneTemporal.xrds') ?? []).map(
    entry => {
      return {
        xrdName: entry.getString('name'),
        cluster: entry.getOptionalString('cluster'),
        approval: readApproval(entry),
        drift: entry.getOptionalString('drift') as PolicyOverride['drift'],
        readyTimeoutSeconds: entry.getOptionalNumber('readyTimeoutSeconds'),
      };
    },
  );
}

function positiveSeconds(
  value: string | number | undefined,
  what: string,
  problems: string[],
): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    problems.push(
      `${what} must be a whole number of seconds above 0, not '${value}'`,
    );
    return undefined;
  }
  return n;
}

function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);
}

/** The policy of the resources an XRD defines, on one cluster. */
export function resolvePolicy(
  xrd: { name: string; cluster: string; annotations: Record<string, string> },
  overrides: readonly PolicyOverride[],
): PolicyResult {
  const problems: string[] = [];
  const a = xrd.annotations;
  const where = `XRD ${xrd.name} (cluster ${xrd.cluster})`;

  // From the annotations.
  const annotated = listOf(a[POLICY_ANNOTATIONS.approval]).filter(
    op => op !== 'none',
  );
  for (const op of annotated)
    if (!OPERATIONS.includes(op as Operation))
      problems.push(
        `annotation ${
          POLICY_ANNOTATIONS.approval
        }: '${op}' is not one of ${OPERATIONS.join(', ')}`,
      );
  let operations = annotated as Operation[];
  let approvers = listOf(a[POLICY_ANNOTATIONS.approvers]);
  let approvalTimeout = positiveSeconds(
    a[POLICY_ANNOTATIONS.approvalTimeoutSeconds],
    `annotation ${POLICY_ANNOTATIONS.approvalTimeoutSeconds}`,
    problems,
  );
  let drift = a[POLICY_ANNOTATIONS.drift] as
    | ResourcePolicy['drift']
    | undefined;
  if (drift !== undefined && !DRIFT_POLICIES.includes(drift)) {
    problems.push(
      `annotation ${
        POLICY_ANNOTATIONS.drift
      }: '${drift}' is not one of ${DRIFT_POLICIES.join(', ')}`,
    );
    drift = undefined;
  }
  let readyTimeout = positiveSeconds(
    a[POLICY_ANNOTATIONS.readyTimeoutSeconds],
    `annotation ${POLICY_ANNOTATIONS.readyTimeoutSeconds}`,
    problems,
  );

  // app-config wins, field by field.
  const override = overrides.find(
    o =>
      o.xrdName === xrd.name &&
      (o.cluster === undefined || o.cluster === xrd.cluster),
  );
  if (override) {
    if (override.approval === null) {
      operations = [];
      approvers = [];
    } else if (override.approval) {
      operations = override.approval.operations;
      approvers = override.approval.approvers;
      approvalTimeout = override.approval.timeoutSeconds ?? approvalTimeout;
    }
    drift = override.drift ?? drift;
    readyTimeout = override.readyTimeoutSeconds ?? readyTimeout;
  }

  for (const approver of approvers)
    if (!ENTITY_REF.test(approver))
      problems.push(
        `approver '${approver}' is not an entity ref like group:default/platform-team`,
      );
  if (operations.length > 0 && approvers.length === 0)
    problems.push(
      `approvals are required for ${operations.join(
        ', ',
      )} but no approvers are named (annotation ${
        POLICY_ANNOTATIONS.approvers
      } or app-config crossplaneTemporal.xrds)`,
    );
  if (problems.length > 0) {
    return {
      problem: `the policy of ${where} cannot be read, so requests for it are refused until the platform team fixes it: ${problems.join(
        '; ',
      )}`,
    };
  }
  return {
    policy: {
      drift: drift ?? DEFAULT_DRIFT,
      readyTimeoutSeconds: readyTimeout ?? DEFAULT_READY_TIMEOUT_SECONDS,
      ...(operations.length > 0
        ? {
            approval: {
              operations: [...new Set(operations)],
              approvers,
              timeoutSeconds:
                approvalTimeout ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS,
            },
          }
        : {}),
    },
  };
}
