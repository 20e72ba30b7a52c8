/*
 * The end of a reconcile: the object written back only when reconciling changed it, under the
 * controller's field manager. When that write bumped the generation (a spec change, such as a
 * claim's resourceRef), the object is reconciled again, so its conditions report the generation
 * it now has.
 */
import { recordUpdate } from '../apply/managedFields';
import type { ObjectStore } from '../store/ObjectStore';
import type { KubeObject, ResourceType } from '../store/types';

export function writeReconciled(
  deps: { store: ObjectStore; enqueue: (object: KubeObject) => void },
  type: ResourceType,
  current: KubeObject,
  next: KubeObject,
  manager: string,
): void {
  if (JSON.stringify(next) === JSON.stringify(current)) return;
  const written = deps.store.update(type, recordUpdate(current, next, manager));
  if (written.metadata.generation !== current.metadata.generation)
    deps.enqueue(written);
}
