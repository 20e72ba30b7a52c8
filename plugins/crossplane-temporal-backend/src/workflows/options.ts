/*
 * What a resource workflow is started with, and how it calls its activities: timeouts and
 * bounded retry policies, named in one place.
 */
import type {
  ActivityOptions,
  LocalActivityOptions,
} from '@temporalio/workflow';
import type { ResourceRef } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { ResourceState } from './state';

export interface ResourceWorkflowOptions {
  /** Continue as new once the history has this many events (Temporal also suggests it itself). */
  historyLimit?: number;
  /**
   * How often to read the resource while waiting, in case a watch event was missed. Readiness is
   * event-driven; this timer is only the fallback.
   */
  fallbackPollSeconds?: number;
  /** How long one attempt of a cluster call may take before it is retried. Default 30. */
  clusterCallTimeoutSeconds?: number;
}

export interface ResourceWorkflowInput {
  ref: ResourceRef;
  /** State carried over from the previous run (continue-as-new). */
  state?: ResourceState;
  options?: ResourceWorkflowOptions;
}

export const DEFAULT_HISTORY_LIMIT = 5_000;
const DEFAULT_FALLBACK_POLL_SECONDS = 30;
const DEFAULT_CLUSTER_CALL_TIMEOUT_SECONDS = 30;

export const fallbackPollMs = (options?: ResourceWorkflowOptions) =>
  (options?.fallbackPollSeconds ?? DEFAULT_FALLBACK_POLL_SECONDS) * 1000;

// Cluster calls are short; retries are bounded and back off, and requests the cluster refused for
// a reason retrying cannot fix fail at once.
const NON_RETRYABLE = [
  'Forbidden',
  'Invalid',
  'UnknownCluster',
  'NotFound',
  'AlreadyExists',
];

/** Cluster calls, each attempt given its timeout before it is retried (a worker may die). */
export const clusterCallOptions = (
  options?: ResourceWorkflowOptions,
): ActivityOptions & LocalActivityOptions => ({
  startToCloseTimeout:
    (options?.clusterCallTimeoutSeconds ??
      DEFAULT_CLUSTER_CALL_TIMEOUT_SECONDS) * 1000,
  scheduleToCloseTimeout: '5 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 8,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

// Notifications are a courtesy: a few attempts, and the workflow goes on without them.
export const notifyOptions: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '2 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
};
