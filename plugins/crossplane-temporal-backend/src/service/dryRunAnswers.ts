/*
 * A dry run's answer from what the cluster said and what the cluster cache holds: the object
 * trimmed to what a caller needs (no uid, managed fields or status), and the composed resources.
 */
import {
  resourceWorkflowId,
  type DryRunAnswer,
  type DryRunComposedResource,
  type DryRunOperation,
  type ResourcePolicy,
  type ResourceRef,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { ResourceObjects } from '../cache/ClusterObjects';
import type { KubeObject } from '../cluster/types';

function composedOf(object: KubeObject): DryRunComposedResource {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace
      ? { namespace: object.metadata.namespace }
      : {}),
  };
}

/**
 * What the resource is made of now: a claim's composite and the managed resources. A
 * server-side dry run does not run the composition, so this is all that can be said of an apply.
 */
export function composedNow(
  objects: ResourceObjects | undefined,
): DryRunComposedResource[] {
  if (!objects) return [];
  return [
    ...(objects.composite ? [objects.composite] : []),
    ...objects.managed,
  ].map(composedOf);
}

export function dryRunAnswer(options: {
  operation: DryRunOperation;
  ref: ResourceRef;
  object: KubeObject;
  composed: DryRunComposedResource[];
  policy: ResourcePolicy;
}): DryRunAnswer {
  const { operation, ref, object, policy } = options;
  const { labels, annotations } = object.metadata;
  return {
    operation,
    ref: {
      cluster: ref.cluster,
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      namespace: ref.namespace,
      name: ref.name,
    },
    workflowId: resourceWorkflowId(ref),
    object: {
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata: {
        name: object.metadata.name,
        namespace: object.metadata.namespace ?? ref.namespace,
        ...(labels ? { labels } : {}),
        ...(annotations ? { annotations } : {}),
      },
      ...(object.spec ? { spec: object.spec } : {}),
    },
    composed: options.composed,
    approvalRequired: Boolean(policy.approval?.operations.includes(operation)),
  };
}
