/*
 * A resource's policy (approvals, drift, ready timeout) as the backend enforces it: the XRD's
 * annotations, overridden per XRD by app-config (`crossplaneTemporal.xrds[].policy`), read by
 * common's parser, the same one the catalog module shows on templates. Derived by the backend for
 * every request; no request can name or widen it. A policy with an error (a malformed setting)
 * refuses requests for the kind rather than drop an approval.
 */
import type { Config } from '@backstage/config';
import {
  mergePolicySettings,
  policySettingsFromAnnotations,
  policySettingsFromConfig,
  resolveXrdPolicy,
  type ResourcePolicy,
  type XrdPolicySettings,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';

/** One entry of `crossplaneTemporal.xrds`: the policy settings app-config gives an XRD. */
export interface PolicyOverride {
  xrdName: string;
  policy: XrdPolicySettings;
}

export type PolicyResult =
  | { policy: ResourcePolicy; problem?: undefined }
  | { problem: string; policy?: undefined };

/**
 * Keys an entry may not have beside `policy`: a policy setting written there, or a cluster the
 * entry would be taken to be limited to, would otherwise be ignored, and an approval with it.
 */
const NOT_BESIDE_POLICY = [
  'cluster',
  'approval',
  'approvers',
  'approvalTimeout',
  'drift',
  'readyTimeout',
  'readyTimeoutSeconds',
];

export function readPolicyOverrides(config: Config): PolicyOverride[] {
  const overrides: PolicyOverride[] = [];
  for (const entry of config.getOptionalConfigArray(
    'crossplaneTemporal.xrds',
  ) ?? []) {
    const xrdName = entry.getString('name');
    const misplaced = NOT_BESIDE_POLICY.filter(key => entry.has(key));
    if (misplaced.length > 0)
      throw new Error(
        `crossplaneTemporal.xrds entry ${xrdName} sets ${misplaced.join(
          ', ',
        )} beside policy, where nothing reads it: policy settings go under policy (e.g. policy: { approval: provision, approvers: [group:default/platform-team], readyTimeout: 20m }), and an entry applies to the XRD on every cluster`,
      );
    if (overrides.some(o => o.xrdName === xrdName))
      throw new Error(
        `crossplaneTemporal.xrds lists ${xrdName} twice; keep one entry per XRD`,
      );
    overrides.push({
      xrdName,
      policy: policySettingsFromConfig(entry.getOptionalConfig('policy')) ?? {},
    });
  }
  return overrides;
}

/** The policy of the resources an XRD defines, on one cluster. */
export function resolvePolicy(
  xrd: { name: string; cluster: string; annotations: Record<string, string> },
  overrides: readonly PolicyOverride[],
): PolicyResult {
  const override = overrides.find(o => o.xrdName === xrd.name);
  const { policy, problems } = resolveXrdPolicy(
    mergePolicySettings(
      policySettingsFromAnnotations(xrd.annotations),
      override?.policy,
    ),
  );
  const errors = problems.filter(p => p.severity === 'error');
  if (errors.length > 0) {
    return {
      problem: `the policy of XRD ${xrd.name} (cluster ${
        xrd.cluster
      }) cannot be read, so requests for it are refused until the platform team fixes it (its crossplane-temporal.io/ annotations, or app-config crossplaneTemporal.xrds): ${errors
        .map(p => p.message)
        .join('; ')}`,
    };
  }
  return { policy };
}
