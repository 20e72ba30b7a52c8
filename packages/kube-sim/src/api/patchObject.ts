/*
 * A PATCH body applied to the stored object, by its content type: server-side apply (YAML or
 * JSON, tracked per field manager, conflicts as 409), JSON patch, JSON merge patch, and strategic
 * merge patch for built-in kinds only (custom resources refuse it with 415, as Kubernetes does).
 */
import YAML from 'yaml';
import { recordUpdate, serverSideApply } from '../apply/managedFields';
import { BUILT_IN_TYPES } from '../store/ResourceRegistry';
import type { KubeObject } from '../store/types';
import { applyJsonPatch } from './jsonPatch';
import { mergePatch } from './mergePatch';
import { checkObjectIdentity } from './objectIdentity';
import { parseJson } from './requestBody';
import type { Route } from './routing';
import { StatusError } from './status';

export const APPLY_PATCH_TYPE = 'application/apply-patch+yaml';

const PATCH_TYPES = [
  'application/merge-patch+json',
  'application/json-patch+json',
  APPLY_PATCH_TYPE,
  'application/strategic-merge-patch+json',
];

export function isApplyPatch(contentType: string): boolean {
  return contentType.startsWith(APPLY_PATCH_TYPE);
}

/**
 * The object `body` makes of `current` (undefined: only server-side apply creates), with its
 * managedFields updated for `manager`.
 */
export function patchObject(
  route: Route,
  current: KubeObject | undefined,
  contentType: string,
  body: string,
  manager: string,
  force: boolean,
): KubeObject {
  if (isApplyPatch(contentType)) {
    let applied: any;
    try {
      applied = YAML.parse(body);
    } catch (error) {
      throw StatusError.badRequest(
        `the apply patch is not valid YAML: ${(error as Error).message}`,
      );
    }
    checkObjectIdentity(route, applied);
    const next = serverSideApply(current, applied, manager, force);
    if (current)
      next.metadata.resourceVersion = current.metadata.resourceVersion;
    return next;
  }
  if (!current) throw StatusError.notFound(route.type, route.name!);
  let next: KubeObject;
  if (contentType.startsWith('application/json-patch+json')) {
    next = applyJsonPatch(current, parseJson(body));
  } else if (
    contentType.startsWith('application/merge-patch+json') ||
    // Strategic merge patch needs Go struct tags: custom resources refuse it with 415.
    (contentType.startsWith('application/strategic-merge-patch+json') &&
      BUILT_IN_TYPES.includes(route.type))
  ) {
    next = mergePatch(current, parseJson(body)) as KubeObject;
  } else {
    throw StatusError.unsupportedMediaType(contentType, PATCH_TYPES);
  }
  next.metadata.resourceVersion =
    next.metadata.resourceVersion ?? current.metadata.resourceVersion;
  return recordUpdate(current, next, manager, route.subresource);
}
