/*
 * Live updates: a Backstage signal to a resource's owners on every phase change the workflow
 * cache sees, so that pages showing it refresh without polling.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { SignalsService } from '@backstage/plugin-signals-node';
import { RESOURCE_SIGNAL_CHANNEL } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { WorkflowEntry } from '../cache/WorkflowStateCache';

export function phaseSignals(
  signals: SignalsService,
  logger: LoggerService,
  /** Until the cache has loaded, what it reads is what was, not a change. */
  loaded: () => boolean,
) {
  return (next: WorkflowEntry, previous?: WorkflowEntry) => {
    const { status } = next;
    if (!previous && !loaded()) return;
    if (previous?.status.phase === status.phase) return;
    const recipients = [
      status.owner,
      status.pendingApproval?.requestedBy,
    ].filter((r): r is string => !!r);
    if (recipients.length === 0) return;
    signals
      .publish({
        recipients: { type: 'user', entityRef: [...new Set(recipients)] },
        channel: RESOURCE_SIGNAL_CHANNEL,
        message: {
          workflowId: next.workflowId,
          ref: { ...status.ref },
          phase: status.phase,
          ...(previous ? { previousPhase: previous.status.phase } : {}),
          at: next.updatedAt ?? new Date(next.readAt).toISOString(),
        },
      })
      .catch(error =>
        logger.warn('could not send a phase change signal', {
          workflowId: next.workflowId,
          error: String(error),
        }),
      );
  };
}
