/*
 * Validates a claim's or composite's spec against the OpenAPI schema of its XRD, before anything
 * is sent to the cluster, so that a user learns which field is wrong in terms of their form.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { ResourceRef } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { apiGroupOf } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { ClusterClient, KubeObject } from '../cluster/types';

const XRD_VERSIONS = [
  'apiextensions.crossplane.io/v2',
  'apiextensions.crossplane.io/v1',
];

export interface SpecSchema {
  /** The XRD that defines the kind, for messages. */
  xrdName: string;
  validate: ValidateFunction;
}

// Kubernetes' OpenAPI dialect has its own keywords (x-kubernetes-*); they do not constrain the
// spec in ways a form can show, so they are ignored rather than refused.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

/** Which XRD defines a v1 claim kind or a v2 namespaced composite kind in the given group. */
function definesKind(xrd: KubeObject, group: string, kind: string): boolean {
  const spec = xrd.spec ?? {};
  if (spec.group !== group) return false;
  if (spec.claimNames?.kind === kind) return true;
  return (
    spec.names?.kind === kind &&
    (xrd.apiVersion.endsWith('/v2') ? spec.scope !== 'Cluster' : false)
  );
}

/**
 * Compiled schemas, per cluster and kind, for a short while: a burst of requests for the same kind
 * reads the XRDs once, and an XRD the platform team changed is picked up within a minute.
 */
export class SpecSchemaCache {
  private readonly entries = new Map<
    string,
    { loadedAt: number; schema: Promise<SpecSchema | undefined> }
  >();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly now = () => Date.now(),
  ) {}

  get(
    client: ClusterClient,
    ref: ResourceRef,
  ): Promise<SpecSchema | undefined> {
    const key = `${client.name}|${ref.apiVersion}|${ref.kind}`;
    const entry = this.entries.get(key);
    if (entry && this.now() - entry.loadedAt < this.ttlMs) return entry.schema;
    const schema = loadSpecSchema(client, ref);
    this.entries.set(key, { loadedAt: this.now(), schema });
    // A failed load is not remembered: the next request tries again.
    schema.catch(() => this.entries.delete(key));
    return schema;
  }
}

export async function loadSpecSchema(
  client: ClusterClient,
  ref: ResourceRef,
): Promise<SpecSchema | undefined> {
  const group = apiGroupOf(ref.apiVersion);
  const version = ref.apiVersion.slice(group.length + 1);
  for (const apiVersion of XRD_VERSIONS) {
    let xrds: KubeObject[];
    try {
      xrds = await client.list({
        apiVersion,
        kind: 'CompositeResourceDefinition',
      });
    } catch (error) {
      // A cluster with Crossplane v1 only does not serve the v2 API.
      if ((error as { reason?: string }).reason === 'NotFound') continue;
      throw error;
    }
    const xrd = xrds.find(x => definesKind(x, group, ref.kind));
    if (!xrd) continue;
    const served = (xrd.spec?.versions ?? []).find(
      (v: any) => v.name === version,
    );
    if (!served) {
      return undefined;
    }
    const schema = served.schema?.openAPIV3Schema?.properties?.spec ?? {
      type: 'object',
    };
    return { xrdName: xrd.metadata.name, validate: ajv.compile(schema) };
  }
  return undefined;
}

/** One line per problem, naming the field as `spec.a.b` and saying what is expected. */
export function describeSchemaErrors(
  errors: ErrorObject[] | null | undefined,
): string[] {
  return (errors ?? []).map(error => {
    const path = `spec${error.instancePath.replace(/\//g, '.')}`;
    switch (error.keyword) {
      case 'required':
        return `${path}.${error.params.missingProperty} is required`;
      case 'enum':
        return `${path} must be one of ${(
          error.params.allowedValues as unknown[]
        ).join(', ')}`;
      case 'additionalProperties':
        return `${path}.${error.params.additionalProperty} is not a field of this resource`;
      default:
        return `${path} ${error.message}`;
    }
  });
}
