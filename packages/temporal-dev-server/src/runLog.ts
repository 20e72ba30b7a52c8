/*
 * Debug lines for a run's life: "workflow started" when its started event is written, "workflow
 * closed" with its status once it closes. They watch the runs' changes, so nothing in the engine
 * has to know about logs; the server installs them only when debug lines are written, so a
 * server at another level pays nothing for them.
 */
import type { Logger } from './logger';
import { isRunning, type Execution } from './state';

const STATUS_PREFIX = 'WORKFLOW_EXECUTION_STATUS_'.length;

const identify = (run: Execution) => ({
  namespace: run.namespace,
  workflowId: run.workflowId,
  runId: run.runId,
  workflowType: run.workflowType,
  taskQueue: run.taskQueue,
  parentWorkflowId: run.parent?.workflowId,
});

/**
 * A listener of every change to a run that writes its start and its close once each. Runs in
 * `closedBefore` (loaded closed from a store) are not reported again.
 */
export function runLifecycleLog(
  logger: Logger,
  closedBefore: Iterable<Execution> = [],
): (run: Execution) => void {
  const started = new WeakSet<Execution>();
  const closed = new WeakSet<Execution>(
    [...closedBefore].filter(run => !isRunning(run)),
  );
  return run => {
    if (isRunning(run)) {
      // A running run's history is a plain array: its length costs nothing.
      if (run.history.length !== 1 || started.has(run)) return;
      started.add(run);
      logger.debug('workflow started', identify(run));
      return;
    }
    if (closed.has(run)) return;
    closed.add(run);
    logger.debug('workflow closed', {
      ...identify(run),
      status: run.status.slice(STATUS_PREFIX),
      // Once frozen, a closed run's history is read back only for who asks for it.
      historyLength: run.historyLength ?? run.history.length,
      durationMs: (run.closeTime ?? run.startTime) - run.startTime,
    });
  };
}
