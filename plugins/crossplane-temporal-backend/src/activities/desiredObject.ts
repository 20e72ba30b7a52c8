/*
 * The claim or namespaced composite an apply writes, and the server-side dry run of that apply:
 * shared by the workflow's activities and by the API's dry runs, so that a dry run asks the
 * cluster exactly what the workflow would.
 */
import { FIELD_MANAGER } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { ClusterClients, KubeObject } from '../cluster/types';
import type { ApplyResourceInput } from './types';

export function desiredObject(input: ApplyResourceInput): KubeObject {
  return {
    apiVersion: input.ref.apiVersion,
    kind: input.ref.kind,
    metadata: {
      name: input.ref.name,
      namespace: input.ref.namespace,
      labels: input.labels,
      annotations: input.annotations,
    },
    spec: input.spec,
  };
}

/**
 * Server-side dry run of the apply, as `input.as` where the cluster impersonates: admission, RBAC
 * and the schema decide, nothing is persisted. Answers the object as the cluster would hold it.
 */
export function dryRunApply(
  clusters: ClusterClients,
  input: ApplyResourceInput,
): Promise<KubeObject> {
  return clusters.get(input.ref.cluster).apply(desiredObject(input), {
    fieldManager: FIELD_MANAGER,
    dryRun: true,
    force: input.force,
    as: input.as,
  });
}
