#!/usr/bin/env node
/*
 * Builds the workflow bundle production workers load (`workflowBundle: { codePath }`, from
 * crossplaneTemporal.temporal.worker.workflowBundlePath), so that they do not bundle at start.
 * The package's `prepack` runs it, so the bundle is in every packed copy of the plugin: the
 * backend's and the standalone worker's `yarn build` pack it into their dist/bundle.tar.gz as
 * plugins/crossplane-temporal-backend/dist/workflow-bundle.js.
 *
 *   node scripts/bundle-workflows.js [out]   # default: dist/workflow-bundle.js
 *
 * The plugin says how its workflows are bundled (src/worker/workflowBundle.ts); this only writes
 * the result.
 */
'use strict';

// The plugin is TypeScript source inside the monorepo.
require('@backstage/cli/config/nodeTransform.cjs');
const path = require('node:path');
const { writeResourceWorkflowBundle } = require('../src/worker/workflowBundle');

async function main() {
  const out = path.resolve(
    process.argv[2] ?? path.join(__dirname, '..', 'dist', 'workflow-bundle.js'),
  );
  const { bytes } = await writeResourceWorkflowBundle(out);
  process.stdout.write(
    `workflow bundle: ${path.relative(process.cwd(), out)} (${Math.round(
      bytes / 1024,
    )} KiB)\n`,
  );
}

main().catch(error => {
  process.stderr.write(`could not bundle the workflows: ${error.message}\n`);
  process.exit(1);
});
