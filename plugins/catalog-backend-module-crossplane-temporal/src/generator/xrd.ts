/*
 * The parts of a Crossplane CompositeResourceDefinition the generator reads, and what a team can
 * create from one: a v1 claim, a v2 namespaced composite, or the claim of a v2 legacy
 * cluster-scoped composite.
 */
import type { XrdProblem } from '@crossplane-temporal/plugin-crossplane-temporal-common';

/**
 * A node of a Kubernetes structural schema (OpenAPI v3 with Kubernetes' extensions).
 *
 * @public
 */
export interface OpenApiSchema {
  type?: string;
  title?: string;
  description?: string;
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: OpenApiSchema | boolean;
  items?: OpenApiSchema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean | number;
  exclusiveMaximum?: boolean | number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  nullable?: boolean;
  [extension: string]: unknown;
}

/**
 * One version of an XRD.
 *
 * @public
 */
export interface XrdVersion {
  name: string;
  served?: boolean;
  referenceable?: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: OpenApiSchema };
}

/**
 * An XRD as the cluster returns it (`apiextensions.crossplane.io/v1` or `/v2`).
 *
 * @public
 */
export interface CompositeResourceDefinition {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    uid?: string;
    resourceVersion?: string;
  };
  spec: {
    group: string;
    names: { kind: string; plural: string };
    claimNames?: { kind: string; plural: string };
    scope?: 'Namespaced' | 'Cluster' | 'LegacyCluster';
    connectionSecretKeys?: string[];
    versions?: XrdVersion[];
  };
  status?: {
    conditions?: Array<{
      type: string;
      status: string;
      reason?: string;
      message?: string;
    }>;
  };
}

/** What a team creates in its namespace from an XRD. */
export interface OfferedKind {
  group: string;
  kind: string;
  plural: string;
  /** A v1 (or v2 legacy) claim, or a v2 namespaced composite. */
  form: 'claim' | 'namespaced-composite';
  /** Whether the claim gets a connection secret (v1 claims of XRDs with connectionSecretKeys). */
  connectionSecret: boolean;
}

export function isV2(xrd: CompositeResourceDefinition): boolean {
  return xrd.apiVersion === 'apiextensions.crossplane.io/v2';
}

/** The kind teams create from the XRD, or the problem that says why there is none. */
export function offeredKind(
  xrd: CompositeResourceDefinition,
): OfferedKind | XrdProblem {
  const { group, names, claimNames } = xrd.spec;
  const scope = xrd.spec.scope ?? 'Namespaced';
  if (isV2(xrd) && scope === 'Namespaced') {
    return {
      group,
      kind: names.kind,
      plural: names.plural,
      form: 'namespaced-composite',
      connectionSecret: false,
    };
  }
  if (claimNames && (!isV2(xrd) || scope === 'LegacyCluster')) {
    return {
      group,
      kind: claimNames.kind,
      plural: claimNames.plural,
      form: 'claim',
      connectionSecret: (xrd.spec.connectionSecretKeys ?? []).length > 0,
    };
  }
  return {
    severity: 'error',
    reason: 'NotOffered',
    message: isV2(xrd)
      ? `a v2 XRD with scope ${scope} makes cluster-scoped composites, which teams cannot create in their namespaces: use scope Namespaced${
          scope === 'LegacyCluster' ? ', or offer a claim with claimNames' : ''
        }`
      : 'the XRD offers no claim: add spec.claimNames so teams can request it in their namespaces (cluster-scoped composites are for the platform team)',
  };
}

/** The served versions, in the XRD's order. */
export function servedVersions(xrd: CompositeResourceDefinition): XrdVersion[] {
  return (xrd.spec.versions ?? []).filter(v => v.served === true);
}

/**
 * Why the cluster does not serve the offered kind yet, if it does not: Crossplane reports
 * Established when it serves the composite's CRD, and Offered when it serves the claim's.
 */
export function notEstablished(
  xrd: CompositeResourceDefinition,
  offered: OfferedKind,
): string | undefined {
  const needed =
    offered.form === 'claim' ? ['Established', 'Offered'] : ['Established'];
  for (const type of needed) {
    const condition = xrd.status?.conditions?.find(c => c.type === type);
    if (condition?.status !== 'True') {
      const seen = condition
        ? `is ${condition.status}${
            condition.reason ? ` (${condition.reason})` : ''
          }${condition.message ? `: ${condition.message}` : ''}`
        : 'is not reported';
      return `condition ${type} ${seen}; the cluster does not serve ${offered.kind} yet. Check that Crossplane runs and accepts the XRD (kubectl describe xrd ${xrd.metadata.name})`;
    }
  }
  return undefined;
}
