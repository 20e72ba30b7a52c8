/*
 * A resource as a catalog `Resource` entity: whose it is, which component it serves (and so
 * which system), which XRD's API it uses, and the annotations that lead back to the cluster
 * object and its workflow.
 */
import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  type ResourceEntity,
} from '@backstage/catalog-model';
import {
  apiGroupOf,
  componentResourcesPath,
  ENTITY_ANNOTATIONS,
  resourceEntityName,
  xrdApiEntityName,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { ResourceSummary } from '../sources/types';

export interface ResourceEntityContext {
  entityNamespace: string;
  appBaseUrl: string;
  /** The owner when the summary names none (discovered objects). */
  fallbackOwner?: string;
  /** The system of the resource's component, if it has one. */
  system?: string;
}

export const resourceLocation = (workflowId: string) =>
  `crossplane-temporal:resource/${workflowId}`;

/** The entity, or undefined when the resource has no owner to give it. */
export function buildResourceEntity(
  summary: ResourceSummary,
  context: ResourceEntityContext,
): ResourceEntity | undefined {
  const { ref } = summary;
  const owner = summary.owner ?? context.fallbackOwner;
  if (!owner) return undefined;
  const location = resourceLocation(summary.workflowId);
  const component = summary.component;
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: resourceEntityName(ref),
      namespace: context.entityNamespace,
      title: ref.name,
      description: `${ref.kind} ${ref.namespace}/${ref.name} on cluster ${ref.cluster}${
        summary.origin === 'discovered' ? ', found on the cluster' : ''
      }.`,
      tags: ['crossplane', ref.kind.toLowerCase()],
      annotations: {
        [ENTITY_ANNOTATIONS.cluster]: ref.cluster,
        [ENTITY_ANNOTATIONS.namespace]: ref.namespace,
        [ENTITY_ANNOTATIONS.apiVersion]: ref.apiVersion,
        [ENTITY_ANNOTATIONS.kind]: ref.kind,
        [ENTITY_ANNOTATIONS.name]: ref.name,
        [ENTITY_ANNOTATIONS.workflowId]: summary.workflowId,
        [ANNOTATION_LOCATION]: location,
        [ANNOTATION_ORIGIN_LOCATION]: location,
      },
      ...(component
        ? {
            links: [
              {
                url: `${context.appBaseUrl}${componentResourcesPath(component)}`,
                title: `Resources of ${component.replace(/^component:(default\/)?/, '')}`,
              },
            ],
          }
        : {}),
    },
    spec: {
      type: ref.kind.toLowerCase(),
      owner,
      ...(component ? { dependencyOf: [component] } : {}),
      dependsOn: [
        `api:${context.entityNamespace}/${xrdApiEntityName(apiGroupOf(ref.apiVersion), ref.kind)}`,
      ],
      ...(context.system ? { system: context.system } : {}),
    },
  };
}
