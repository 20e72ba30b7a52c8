/*
 * A DELETE's propagation policy and what the API does about it before the object goes: `Orphan`
 * takes the owner reference off the dependents; `Foreground` adds the `foregroundDeletion`
 * finalizer, which the garbage collector drops once the dependents are gone; `Background` (the
 * default) leaves the dependents to the garbage collector.
 */
import {
  FOREGROUND_FINALIZER,
  type GarbageCollector,
} from '../controllers/GarbageCollector';
import type { ObjectStore } from '../store/ObjectStore';
import type { KubeObject, ResourceType } from '../store/types';
import { parseJson } from './requestBody';
import { StatusError } from './status';

const PROPAGATION_POLICIES = ['Foreground', 'Background', 'Orphan'];

/** A DELETE's propagation policy, from the query or a DeleteOptions body (Background if neither). */
export function propagationPolicy(url: URL, body: string): string {
  const options = body.trim() ? parseJson(body) : {};
  const policy =
    url.searchParams.get('propagationPolicy') ??
    options?.propagationPolicy ??
    'Background';
  if (!PROPAGATION_POLICIES.includes(policy))
    throw StatusError.invalid('DeleteOptions', '', [
      {
        field: 'propagationPolicy',
        message: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
      },
    ]);
  return policy;
}

/** Prepares the dependents of `owner` for its deletion under `policy`. */
export function propagateDeletion(
  deps: { store: ObjectStore; garbageCollector: GarbageCollector },
  type: ResourceType,
  owner: KubeObject,
  policy: string,
): void {
  if (policy === 'Orphan') orphanDependents(deps, owner);
  if (
    policy === 'Foreground' &&
    !owner.metadata.deletionTimestamp &&
    !owner.metadata.finalizers?.includes(FOREGROUND_FINALIZER)
  ) {
    // The garbage collector drops it once the dependents are gone.
    const marked = structuredClone(owner);
    marked.metadata.finalizers = [
      ...(marked.metadata.finalizers ?? []),
      FOREGROUND_FINALIZER,
    ];
    deps.store.update(type, marked);
  }
}

/** Dependents keep existing without the reference to an owner deleted with `Orphan`. */
function orphanDependents(
  deps: { store: ObjectStore; garbageCollector: GarbageCollector },
  owner: KubeObject,
): void {
  const uid = owner.metadata.uid!;
  for (const { type, object } of deps.garbageCollector.dependentsOf(uid)) {
    const updated = structuredClone(object);
    updated.metadata.ownerReferences = updated.metadata.ownerReferences!.filter(
      r => r.uid !== uid,
    );
    deps.store.update(type, updated);
  }
}
