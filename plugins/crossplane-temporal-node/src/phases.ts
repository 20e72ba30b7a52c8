/*
 * What a resource's phase means to someone waiting on a request: still under way, or settled,
 * and how. The phases are the OpenAPI document's `ResourcePhase`.
 */
import type { components } from '@crossplane-temporal/plugin-crossplane-temporal-common';

/** @public */
export type ResourcePhase = components['schemas']['ResourcePhase'];

/** How a settled phase ended. @public */
export type PhaseOutcome = 'ready' | 'failed' | 'deleted';

const outcomes: Partial<Record<ResourcePhase, PhaseOutcome>> = {
  Ready: 'ready',
  Failed: 'failed',
  Rejected: 'failed',
  Expired: 'failed',
  Deleted: 'deleted',
};

/** How the phase ended, or undefined while the workflow is still at work (or waiting). @public */
export function phaseOutcome(phase: ResourcePhase): PhaseOutcome | undefined {
  return outcomes[phase];
}

const explanations: Record<ResourcePhase, string> = {
  Pending: 'the request is queued for its workflow',
  Validating:
    "checking the spec against the XRD's schema and by a server-side dry run",
  AwaitingApproval: 'waiting for an approver to decide',
  Applying: 'applying it to the cluster',
  WaitingForReady: 'waiting for Crossplane to report it Ready',
  Ready: 'Crossplane reports it Ready',
  Failed: 'the operation failed',
  RollingBack: 'the change failed; rolling back to the last good spec',
  Deprovisioning: 'deleting it and everything composed from it',
  Deleted: 'it is deleted',
  Rejected: 'an approver rejected the request',
  Expired: 'no approver decided in time',
};

/** A short explanation of a phase, for progress lines people read. @public */
export function explainPhase(phase: ResourcePhase): string {
  return explanations[phase] ?? phase;
}
