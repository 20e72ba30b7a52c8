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
  resourceEntity,
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

/**
 * The entity, or undefined when the resource has no owner to give it. Its name, annotations,
 * type, owner and component are common's description of a resource's entity, the one the
 * backend's permission decisions see.
 */
export function buildResourceEntity(
  summary: ResourceSummary,
  context: ResourceEntityContext,
): ResourceEntity | undefined {
  const { ref, component } = summary;
  const owner = summary.owner ?? context.fallbackOwner;
  if (!owner) return undefined;
  const location = resourceLocation(summary.workflowId);
  const base = resourceEntity(
    { ref, owner, component },
    context.entityNamespace,
  );
  return {
    ...base,
    metadata: {
      ...base.metadata,
      title: ref.name,
      description: `${ref.kind} ${ref.namespace}/${ref.name} on cluster ${
        ref.cluster
      }${summary.origin === 'discovered' ? ', found on the cluster' : ''}.`,
      tags: ['crossplane', ref.kind.toLowerCase()],
      annotations: {
        ...base.metadata.annotations,
        [ANNOTATION_LOCATION]: location,
        [ANNOTATION_ORIGIN_LOCATION]: location,
      },
      ...(component
        ? {
            links: [
              {
                url: `${context.appBaseUrl}${componentResourcesPath(
                  component,
                )}`,
                title: `Resources of ${component.replace(
                  /^component:(default\/)?/,
                  '',
                )}`,
              },
            ],
          }
        : {}),
    },
    spec: {
      // Has the type and the owner: the owner was given.
      ...(base.spec as ResourceEntity['spec']),
      dependsOn: [
        `api:${context.entityNamespace}/${xrdApiEntityName(
          apiGroupOf(ref.apiVersion),
          ref.kind,
        )}`,
      ],
      ...(context.system ? { system: context.system } : {}),
    },
  };
}
