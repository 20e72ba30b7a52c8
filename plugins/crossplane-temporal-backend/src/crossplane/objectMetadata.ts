/*
 * The labels and annotations the suite puts on a claim or namespaced composite. Pure and
 * workflow-safe: the workflow writes them, and a dry run shows the same object the workflow
 * would write.
 */
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  OWNER_ANNOTATION,
  REQUEST_ID_ANNOTATION,
  REQUESTED_BY_ANNOTATION,
  WORKFLOW_ID_ANNOTATION,
  type Requester,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';

/** The request's labels and the suite's own. */
export function resourceLabels(
  labels: Record<string, string>,
): Record<string, string> {
  return { ...labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
}

/** Which workflow manages the object, who asked for it, in which request, and its owner. */
export function resourceAnnotations(about: {
  workflowId: string;
  requester: Requester;
  requestId: string;
  owner?: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  const annotations: Record<string, string> = {
    [WORKFLOW_ID_ANNOTATION]: about.workflowId,
    [REQUESTED_BY_ANNOTATION]: about.requester.userEntityRef,
    [REQUEST_ID_ANNOTATION]: about.requestId,
    ...about.extra,
  };
  if (about.owner) annotations[OWNER_ANNOTATION] = about.owner;
  return annotations;
}
