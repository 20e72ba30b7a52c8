/*
 * The Synced and Ready conditions of composites and claims, as Crossplane reports them: a
 * composite is Synced unless rendering or a composed resource failed, and Ready (Available) once
 * every composed resource is; a claim is Ready when its composite is (otherwise Waiting); both
 * say Ready=False, reason Deleting, while what they compose or bind is going away.
 */
import { recordUpdate } from '../apply/managedFields';
import type { ObjectStore } from '../store/ObjectStore';
import type { KubeObject, ResourceType } from '../store/types';
import { conditionOf, setCondition } from './conditions';
import { COMPOSITE_MANAGER } from './fieldManagers';

/** Sets a composite's conditions from what reconciling its composed resources found. */
export function setCompositeConditions(
  composite: any,
  observed: {
    generation: number | undefined;
    /** Why rendering or a composed resource failed, if one did. */
    failure: string | undefined;
    /** The composed resources not ready yet, described. */
    unready: string[];
    composedCount: number;
  },
): void {
  const { generation, failure, unready, composedCount } = observed;
  if (failure)
    setCondition(composite, {
      type: 'Synced',
      status: 'False',
      reason: 'ReconcileError',
      message: failure,
      observedGeneration: generation,
    });
  else
    setCondition(composite, {
      type: 'Synced',
      status: 'True',
      reason: 'ReconcileSuccess',
      observedGeneration: generation,
    });
  if (unready.length === 0 && composedCount > 0) {
    setCondition(composite, {
      type: 'Ready',
      status: 'True',
      reason: 'Available',
      observedGeneration: generation,
    });
  } else {
    setCondition(composite, {
      type: 'Ready',
      status: 'False',
      reason: 'Creating',
      message: `Unready resources: ${unready.join(', ')}`,
      observedGeneration: generation,
    });
  }
}

/** Sets a claim's conditions: Synced, and Ready following its composite's. */
export function setClaimConditions(
  claim: any,
  composite: KubeObject | undefined,
  observedGeneration: number | undefined,
): void {
  const ready = composite ? conditionOf(composite, 'Ready') : undefined;
  setCondition(claim, {
    type: 'Synced',
    status: 'True',
    reason: 'ReconcileSuccess',
    observedGeneration,
  });
  setCondition(claim, {
    type: 'Ready',
    status: ready?.status ?? 'False',
    reason: ready?.status === 'True' ? ready.reason : 'Waiting',
    message:
      ready?.status === 'True'
        ? undefined
        : 'Composite resource claim is waiting for composite resource to become Ready',
    observedGeneration,
  });
}

/** Ready=False, reason Deleting, while what the object composes or binds is still going away. */
export function markDeleting(
  store: ObjectStore,
  type: ResourceType,
  object: KubeObject,
): void {
  if (conditionOf(object, 'Ready')?.reason === 'Deleting') return;
  const next: any = structuredClone(object);
  setCondition(next, {
    type: 'Ready',
    status: 'False',
    reason: 'Deleting',
    observedGeneration: object.metadata.generation,
  });
  store.update(type, recordUpdate(object, next, COMPOSITE_MANAGER));
}
