/*
 * Follows a request until its resource's workflow has settled it (Ready, failed, rejected,
 * expired or deleted), writing a line to the task log at every phase change. It polls the phase
 * route, which the backend serves from its cache, starting fast and backing off to a modest
 * interval; a settled phase counts only once the workflow's steps show this request, so a phase
 * left over from before (the cache catching up) is not taken for the answer.
 *
 * Bounded by the resource's policy: its ready timeout, plus its approval timeout when the
 * operation waits for an approver, plus a minute for the cache.
 */
import type {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { isError } from '@backstage/errors';
import type { ResourceRef } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import {
  explainPhase,
  phaseOutcome,
  type CrossplaneTemporalService,
  type PhaseOutcome,
  type ResourcePhase,
} from '@crossplane-temporal/plugin-crossplane-temporal-node';

/**
 * How often an action reads the phase while it waits.
 *
 * @public
 */
export interface Polling {
  /** The first pause between phase reads. */
  initialMs: number;
  /** The longest pause, reached by backing off by half each time. */
  maxMs: number;
}

export const DEFAULT_POLLING: Polling = { initialMs: 1000, maxMs: 10_000 };

/** When the policy cannot be read: half an hour. */
const FALLBACK_BUDGET_MS = 30 * 60_000;
const CACHE_GRACE_MS = 60_000;

export interface Settled {
  phase: ResourcePhase;
  outcome: PhaseOutcome;
  lastError?: string;
}

export class WaitTimedOutError extends Error {
  name = 'WaitTimedOutError';
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Error('the task was cancelled'));
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', cancelled);
      resolve();
    }
    function cancelled() {
      clearTimeout(timer);
      reject(new Error('the task was cancelled'));
    }
    signal?.addEventListener('abort', cancelled, { once: true });
  });
}

export async function waitForSettled(options: {
  api: CrossplaneTemporalService;
  ref: ResourceRef;
  requestId: string;
  operation: 'provision' | 'update' | 'deprovision';
  credentials: BackstageCredentials;
  logger: LoggerService;
  polling: Polling;
  signal?: AbortSignal;
}): Promise<Settled> {
  const { ref, logger, polling, signal } = options;
  const started = Date.now();
  let deadline = started + FALLBACK_BUDGET_MS;
  let budgetKnown = false;
  let interval = polling.initialMs;
  let lastPhase: ResourcePhase | undefined;

  let outage = false;

  for (;;) {
    try {
      const answer = await readPhase(options, lastPhase !== undefined);
      if (answer) {
        if (!budgetKnown) {
          deadline = await budgetFor(options, started);
          budgetKnown = true;
        }
        if (answer.phase !== lastPhase) {
          lastPhase = answer.phase;
          logger.info(
            `${ref.kind} ${ref.namespace}/${ref.name}: ${
              answer.phase
            } (${explainPhase(answer.phase)})`,
          );
        }
        const outcome = phaseOutcome(answer.phase);
        if (outcome && (await settlesThisRequest(options))) {
          return {
            phase: answer.phase,
            outcome,
            ...(answer.lastError ? { lastError: answer.lastError } : {}),
          };
        }
      }
      outage = false;
    } catch (error) {
      // The backend restarting, or Temporal out of reach for a moment: the request is with the
      // workflow already, so keep following it until the deadline.
      if (!isError(error) || error.name !== 'ServiceUnavailableError') {
        throw error;
      }
      if (!outage) {
        outage = true;
        logger.warn(
          `Could not read the phase of ${ref.kind} ${ref.namespace}/${ref.name} (${error.message}); still following it`,
        );
      }
    }
    if (Date.now() + interval > deadline) {
      throw new WaitTimedOutError(
        `${ref.kind} ${ref.namespace}/${
          ref.name
        } did not settle within ${Math.round(
          (deadline - started) / 1000,
        )} s (last phase: ${lastPhase ?? 'not visible yet'})`,
      );
    }
    await pause(interval, signal);
    interval = Math.min(polling.maxMs, Math.ceil(interval * 1.5));
  }
}

/**
 * The resource's phase, or undefined while the backend's cache does not list it yet, as may be
 * right after a request (but not once it has been seen).
 */
async function readPhase(
  options: Parameters<typeof waitForSettled>[0],
  seenBefore: boolean,
) {
  const { api, ref, credentials } = options;
  try {
    return await api.getPhase(ref, { credentials });
  } catch (error) {
    if (isError(error) && error.name === 'NotFoundError' && !seenBefore) {
      return undefined;
    }
    throw error;
  }
}

/** The time the policy gives the operation, from when the wait started. */
async function budgetFor(
  options: Parameters<typeof waitForSettled>[0],
  started: number,
): Promise<number> {
  const { api, ref, credentials, operation } = options;
  const { policy } = await api.getResource(ref, { credentials });
  if (!policy) return started + FALLBACK_BUDGET_MS;
  const approval = policy.approval?.operations.includes(operation)
    ? policy.approval.timeoutSeconds
    : 0;
  return (
    started + (policy.readyTimeoutSeconds + approval) * 1000 + CACHE_GRACE_MS
  );
}

/**
 * Whether the workflow has taken this request up, so that its settled phase is this request's
 * outcome. A backend that tags no step with request IDs is taken at its word.
 */
async function settlesThisRequest(
  options: Parameters<typeof waitForSettled>[0],
): Promise<boolean> {
  const { api, ref, credentials, requestId } = options;
  const steps = await api.getSteps(ref, { credentials });
  const tagged = steps.items.filter(step => step.requestId);
  return (
    tagged.length === 0 || tagged.some(step => step.requestId === requestId)
  );
}
