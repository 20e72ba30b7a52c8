/*
 * What watchers report, taken into the state: conditions, composed resources, and drift (a
 * change someone made outside the workflow to a resource at rest). Pure, given whether the run
 * takes a patched path.
 */
import type { ObservedObjectEvent } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { isOutsider } from '../crossplane/fieldManagers';
import { PATCHES, type PatchId } from './patches';
import {
  isFreshObservation,
  recordComposedEvent,
  type DriftReport,
  type ResourceState,
} from './state';

/** `patched()`, or a stand-in for it. */
export type IsPatched = (patchId: PatchId) => boolean;

/** Takes a watch event into the state; false when it was a duplicate or stale, and ignored. */
export function takeObservation(
  state: ResourceState,
  event: ObservedObjectEvent,
  isPatched: IsPatched,
): boolean {
  if (!isFreshObservation(state, event.uid, event.resourceVersion))
    return false;
  if (event.role === 'resource') {
    // An object of the same name from before our apply is not ours.
    if (state.applied && event.uid !== state.applied.uid) return false;
    // A deleted object has no conditions; whatever replaces it must report its own.
    state.conditions = event.type === 'DELETED' ? [] : event.conditions;
    state.observedVersion = event.resourceVersion;
  } else if (event.role === 'managed') {
    recordComposedEvent(state, event);
  } else {
    state.compositeSpecManager = event.lastSpecManager;
  }
  detectDrift(state, event, isPatched);
  return true;
}

/** Records the drift an event shows, once per object and kind of change. */
export function detectDrift(
  state: ResourceState,
  event: ObservedObjectEvent,
  isPatched: IsPatched,
): void {
  // Only a resource at rest can drift; during an operation, changes are ours or Crossplane's.
  if (state.phase !== 'Ready' || state.policy === undefined) return;
  const report = (what: DriftReport['what'], by?: string) => {
    // Several events can show the same change (the change, then status updates after it).
    const known = state.drift.some(
      d =>
        d.role === event.role &&
        d.kind === event.kind &&
        d.name === event.name &&
        d.what === what,
    );
    if (known) return;
    state.drift.push({
      role: event.role,
      kind: event.kind,
      name: event.name,
      what,
      by,
      observedAt: event.observedAt,
    });
  };
  if (event.type === 'DELETED') {
    report('deleted');
  } else if (changedByOutsider(state, event, isPatched)) {
    report('changed', event.lastSpecManager);
  }
}

/** A spec change made by someone other than this workflow, Crossplane or a provider. */
export function changedByOutsider(
  state: ResourceState,
  event: ObservedObjectEvent,
  isPatched: IsPatched,
): boolean {
  if (!isOutsider(event.lastSpecManager)) return false;
  if (event.role === 'resource') {
    return (event.generation ?? 0) > (state.applied?.generation ?? Infinity);
  }
  if (event.role === 'composite')
    return isPatched(PATCHES.compositeChangesAreDrift);
  return event.role === 'managed';
}
