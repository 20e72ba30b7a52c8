/*
 * How the resource workflows are bundled for the SDK's workflow sandbox, in one place: the
 * worker that bundles at start, the pre-built bundle production workers load, tests and replays.
 * No modules are preloaded into the SDK's shared V8 context: sharing @temporalio/workflow
 * between workflows made no measurable difference to the benchmark's time or memory (same-run
 * A/B, see the README), and sharing modules is only safe for those without per-workflow state.
 */
import {
  bundleWorkflowCode,
  DefaultLogger,
  type Logger,
} from '@temporalio/worker';

export const WORKFLOWS_PATH = require.resolve('../workflows');

/** The production bundle's code (what `worker.workflowBundlePath` points at). */
export async function bundleResourceWorkflows(
  options: { logger?: Logger } = {},
): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: options.logger ?? new DefaultLogger('WARN'),
  });
  return code;
}
