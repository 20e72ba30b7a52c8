/*
 * How the resource workflows are bundled for the SDK's workflow sandbox, in one place: the
 * worker that bundles at start, the pre-built bundle production workers load, tests and replays.
 */
import {
  bundleWorkflowCode,
  DefaultLogger,
  type Logger,
} from '@temporalio/worker';

export const WORKFLOWS_PATH = require.resolve('../workflows');

/**
 * Modules evaluated once in the SDK's reusable V8 context and shared by every workflow, rather
 * than evaluated again for each workflow the worker creates or replays. The SDK already shares
 * its workflow runtime (worker-interface, internals, @temporalio/common) this way and freezes
 * what it shares; the rest of @temporalio/workflow keeps no state at module level either (each
 * call finds its workflow through the activator the SDK swaps in per workflow). Our own workflow
 * modules stay per workflow. Measured by the benchmark: creating and replaying workflows gets
 * cheaper, so a worker finishes a burst sooner and needs fewer of them cached.
 */
export const PRELOADED_MODULES = ['@temporalio/workflow'];

/** The production bundle's code (what `worker.workflowBundlePath` points at). */
export async function bundleResourceWorkflows(
  options: { logger?: Logger } = {},
): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    preloadModules: PRELOADED_MODULES,
    logger: options.logger ?? new DefaultLogger('WARN'),
  });
  return code;
}
