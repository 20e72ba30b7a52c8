/*
 * What an XRD offers to request: the claim kind (Crossplane v1) or namespaced composite kind
 * (Crossplane v2) it defines, the version to request, the schema of its spec and its annotations.
 */
import type { KubeObject } from '../cluster/types';

/**
 * The XRD API versions, the one that says most first: Crossplane v2 serves every XRD in both,
 * and only v2 knows namespaced composites.
 */
export const XRD_API_VERSIONS = [
  'apiextensions.crossplane.io/v2',
  'apiextensions.crossplane.io/v1',
];

export interface RequestableXrd {
  cluster: string;
  /** The XRD's name, e.g. `xpostgresqlinstances.database.example.org`. */
  name: string;
  group: string;
  /** The version requests use: the referenceable one, or else the first served. */
  apiVersion: string;
  /** What requests create: a claim's kind, or a namespaced composite's. */
  kind: string;
  scope: 'claim' | 'namespaced-composite';
  /** A claim's composite kind (cluster-scoped). */
  compositeKind?: string;
  description?: string;
  /** The OpenAPI v3 schema of `spec`, as the XRD gives it. */
  specSchema: Record<string, unknown>;
  connectionSecretKeys: string[];
  annotations: Record<string, string>;
  /** Changes whenever the XRD does (compiled validators are kept per version). */
  resourceVersion: string;
}

/** The requestable kind an XRD defines, or undefined when it defines none (cluster-scoped only). */
export function requestableXrdOf(
  cluster: string,
  xrd: KubeObject,
): RequestableXrd | undefined {
  const spec = xrd.spec ?? {};
  const versions: any[] = (spec.versions ?? []).filter(
    (v: any) => v.served !== false,
  );
  const version = versions.find(v => v.referenceable) ?? versions[0];
  if (!version || !spec.group) return undefined;
  const isV2 = xrd.apiVersion.endsWith('/v2');
  let kind: string | undefined;
  let scope: RequestableXrd['scope'];
  if (spec.claimNames?.kind) {
    kind = spec.claimNames.kind;
    scope = 'claim';
  } else if (
    isV2 &&
    spec.scope !== 'Cluster' &&
    spec.scope !== 'LegacyCluster' &&
    spec.names?.kind
  ) {
    kind = spec.names.kind;
    scope = 'namespaced-composite';
  } else {
    return undefined;
  }
  const schema = version.schema?.openAPIV3Schema ?? {};
  return {
    cluster,
    name: xrd.metadata.name,
    group: spec.group,
    apiVersion: `${spec.group}/${version.name}`,
    kind: kind!,
    scope,
    compositeKind: scope === 'claim' ? spec.names?.kind : undefined,
    description: schema.description,
    specSchema: schema.properties?.spec ?? { type: 'object' },
    connectionSecretKeys: spec.connectionSecretKeys ?? [],
    annotations: xrd.metadata.annotations ?? {},
    resourceVersion: xrd.metadata.resourceVersion ?? '',
  };
}
