import { DEFAULT_DRIFT } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { isOutsider } from '../../crossplane/fieldManagers';
import type { ResourceEntity } from '../ResourceEntity';
import type { DriftReport, ResourceState } from '../state';
import { applyAndWait } from './applyAndWait';

export type DriftResponse = 'ignore' | 'notify' | 'repair';

/** What the policy says to do about drift, and whether the workflow can repair it. */
export function driftResponse(state: ResourceState): DriftResponse {
  const policy = state.policy?.drift ?? DEFAULT_DRIFT;
  if (policy === 'ignore') return 'ignore';
  if (policy === 'notify' || !state.lastGoodSpec || !state.requester)
    return 'notify';
  return 'repair';
}

/** One line for the history: what changed, by whom. */
export function describeDrift(reports: DriftReport[]): string {
  return reports
    .map(r => `${r.kind} ${r.name} ${r.what}${r.by ? ` by ${r.by}` : ''}`)
    .join('; ');
}

/**
 * Whether a repair has undone the drift, besides Ready (which may not have flipped yet when a
 * composed resource went missing): every deleted managed resource is back and ready, and a
 * changed composite's spec is Crossplane's again.
 */
export function isRestored(
  state: ResourceState,
  reports: DriftReport[],
): boolean {
  const deletedManaged = reports.filter(
    r => r.role === 'managed' && r.what === 'deleted',
  );
  const compositeChanged = reports.some(
    r => r.role === 'composite' && r.what === 'changed',
  );
  return (
    deletedManaged.every(r =>
      state.composed.some(
        c => c.kind === r.kind && c.name === r.name && c.ready === true,
      ),
    ) && !(compositeChanged && isOutsider(state.compositeSpecManager))
  );
}

/** Handles the drift reported so far, as the policy says: ignore it, tell the owner, or repair. */
export async function handleDrift(entity: ResourceEntity): Promise<void> {
  const { state } = entity;
  const reports = state.drift.splice(0);
  const what = describeDrift(reports);
  const policy = state.policy?.drift ?? DEFAULT_DRIFT;
  entity.step(
    'drift-detected',
    'info',
    `${what}; policy: ${policy}`,
    undefined,
  );
  const response = driftResponse(state);
  if (response === 'ignore') {
    entity.step('drift', 'skipped', 'ignored, as the policy says');
    return;
  }
  if (response === 'notify') {
    await entity.notify(
      state.owner ? [state.owner] : [],
      `Drift: ${entity.title}`,
      what,
      'high',
    );
    entity.step('drift', 'info', 'owner notified; nothing changed');
    return;
  }
  // Re-apply the desired state, taking back the fields someone changed; the annotation makes
  // Crossplane reconcile now and re-create what was deleted.
  state.currentRequestId = undefined;
  const outcome = await applyAndWait(
    entity,
    state.lastGoodSpec!,
    state.requester!,
    `drift-repair-${state.nextSeq}`,
    'drift-repair',
    {
      force: true,
      annotations: {
        'crossplane-temporal.io/repaired-at': entity.now().toISOString(),
      },
      restored: () => isRestored(state, reports),
    },
  );
  if (outcome.kind === 'ready') {
    state.phase = 'Ready';
    entity.step(
      'drift-repaired',
      'succeeded',
      `desired state restored after: ${what}`,
    );
  } else if (outcome.kind === 'failed') {
    state.phase = 'Failed';
    state.lastError = `drift repair failed: ${outcome.message}`;
    entity.step('drift-repaired', 'failed', outcome.message);
  }
}
