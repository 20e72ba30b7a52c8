/*
 * The last step of every create, update and patch: the status subresource's rules, schema
 * admission, then the store (which checks resourceVersion and bumps generation), or on a dry run
 * only the checks.
 */
import type { ObjectStore } from '../store/ObjectStore';
import type { ResourceRegistry } from '../store/ResourceRegistry';
import type { KubeObject } from '../store/types';
import type { Route } from './routing';
import { admitCustomResource } from './schemaAdmission';
import { mergeStatusSubresource } from './statusSubresource';

/** Stores `written` (which already carries its managedFields) and returns what was stored. */
export function writeObject(
  deps: { store: ObjectStore; registry: ResourceRegistry },
  route: Route,
  current: KubeObject | undefined,
  written: KubeObject,
  dryRun: boolean,
): KubeObject {
  const next = mergeStatusSubresource(route, current, written);
  // As in Kubernetes, status is not set by creating the main resource.
  if (!current && route.type.hasStatus) delete (next as any).status;
  if (route.subresource !== 'status')
    admitCustomResource(deps.registry, route.type, next);
  if (dryRun) {
    return current
      ? {
          ...next,
          metadata: {
            ...next.metadata,
            uid: current.metadata.uid,
            generation: current.metadata.generation,
          },
        }
      : next;
  }
  return current
    ? deps.store.update(route.type, next)
    : deps.store.create(route.type, next);
}
