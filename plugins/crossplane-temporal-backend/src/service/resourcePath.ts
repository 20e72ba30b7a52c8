/*
 * How a route's path names a resource (cluster, namespace, API group, kind, name), and what the
 * API says when the name is not one it knows. The path has no version: the workflow ID does not
 * depend on it, so it is computed from the path alone.
 */
import {
  resourceWorkflowId,
  type ResourcePathParams,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';

export function workflowIdOf(path: ResourcePathParams): string {
  return resourceWorkflowId({
    cluster: path.cluster,
    apiVersion: `${path.group}/v`,
    kind: path.kind,
    namespace: path.namespace,
    name: path.name,
  });
}

export function unknownResource(path: ResourcePathParams): string {
  return `no ${path.kind} ${path.namespace}/${path.name} of group ${path.group} in cluster ${path.cluster} is known; provision it first, or check the name`;
}

export function unknownCluster(
  cluster: string,
  configured: readonly string[],
): string {
  return `no cluster named ${cluster} in crossplaneTemporal.clusters; configured: ${
    configured.join(', ') || 'none'
  }`;
}
