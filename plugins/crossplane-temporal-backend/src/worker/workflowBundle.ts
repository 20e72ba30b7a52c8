/*
 * How the resource workflows are bundled for the SDK's workflow sandbox, in one place: the
 * worker that bundles at start, the pre-built bundle production workers load, tests and replays.
 * No modules are preloaded into the SDK's shared V8 context: sharing @temporalio/workflow
 * between workflows made no measurable difference to the benchmark's time or memory (same-run
 * A/B, see the README), and sharing modules is only safe for those without per-workflow state.
 *
 * Production bundles at build time, as Temporal recommends: packing the plugin (which
 * `yarn build:backend` and the standalone worker's `yarn build` do) runs
 * scripts/bundle-workflows.js, which writes dist/workflow-bundle.js into the package, and
 * `worker.workflowBundlePath` points the worker at it (`workflowBundle: { codePath }`).
 */
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import {
  bundleWorkflowCode,
  DefaultLogger,
  type Logger,
} from '@temporalio/worker';
import fs from 'node:fs/promises';
import path from 'node:path';

const BUNDLE_PATH_KEY = 'crossplaneTemporal.temporal.worker.workflowBundlePath';

/** Where a built package of the plugin carries its bundle. */
const packedBundle = () =>
  resolvePackagePath(
    '@crossplane-temporal/plugin-crossplane-temporal-backend',
    'dist/workflow-bundle.js',
  );

/**
 * The workflows' entry point, for bundling at start. Resolved only when needed: a built package
 * of the plugin does not carry the workflow sources, only their bundle.
 */
export function workflowsPath(): string {
  try {
    return require.resolve('../workflows');
  } catch {
    throw new Error(
      `${BUNDLE_PATH_KEY} is not set, and this build of the plugin has no workflow sources to bundle at start; set it to the bundle the build packed, ${packedBundle()}`,
    );
  }
}

/**
 * Bundles the workflows into `file`, the production bundle `worker.workflowBundlePath` points at:
 * written whole or not at all, so a worker never finds half a bundle. Resolves with its size.
 */
export async function writeResourceWorkflowBundle(
  file: string,
  options: { logger?: Logger } = {},
): Promise<{ bytes: number }> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: workflowsPath(),
    logger: options.logger ?? new DefaultLogger('WARN'),
  });
  await fs.mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  await fs.writeFile(partial, code);
  await fs.rename(partial, file);
  return { bytes: Buffer.byteLength(code) };
}

/** Where bundles come from, and how a relative path in app-config is read. */
const howToBuild = () =>
  `the build packs it as plugins/crossplane-temporal-backend/dist/workflow-bundle.js (\`yarn build:backend\`, \`yarn workspace @crossplane-temporal/worker build\`), and a relative path is resolved against the directory the process runs in, ${process.cwd()}`;

/** What the SDK's bundler ends every bundle with, and the worker needs to load one. */
const INLINE_SOURCE_MAP = '//# sourceMappingURL=data:';

/**
 * Checks, before the worker is created, that `bundlePath` (absolute, as the settings hold it) is
 * a workflow bundle the worker can load, so that a wrong path or a failed build is reported with
 * the config key and the path rather than as the SDK's own error.
 */
export async function checkWorkflowBundle(bundlePath: string): Promise<void> {
  let code: string;
  try {
    code = await fs.readFile(bundlePath, 'utf8');
  } catch (error) {
    throw new Error(
      `${BUNDLE_PATH_KEY}: cannot read the workflow bundle ${bundlePath}: ${
        (error as NodeJS.ErrnoException).code ?? (error as Error).message
      }; ${howToBuild()}`,
    );
  }
  if (!code.includes(INLINE_SOURCE_MAP)) {
    throw new Error(
      `${BUNDLE_PATH_KEY}: ${bundlePath} is not a workflow bundle (a bundle ends with its inline source map); ${howToBuild()}`,
    );
  }
}
