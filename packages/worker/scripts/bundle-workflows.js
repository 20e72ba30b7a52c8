#!/usr/bin/env node
/*
 * Builds the pre-built workflow bundle production workers load
 * (crossplaneTemporal.temporal.worker.workflowBundlePath), so they do not bundle at start.
 */
'use strict';

const { bundleWorkflowCode } = require('@temporalio/worker');
const fs = require('node:fs');
const path = require('node:path');

async function main() {
  const plugin = path.dirname(
    require.resolve(
      '@crossplane-temporal/plugin-crossplane-temporal-backend/package.json',
    ),
  );
  const workflowsPath = path.join(plugin, 'src', 'workflows', 'index.ts');
  const out = path.resolve(__dirname, '../dist/workflow-bundle.js');
  const { code } = await bundleWorkflowCode({ workflowsPath });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, code);
  process.stdout.write(
    `workflow bundle: ${path.relative(process.cwd(), out)} (${Math.round(
      code.length / 1024,
    )} KiB)\n`,
  );
}

main().catch(error => {
  process.stderr.write(`could not bundle the workflows: ${error.message}\n`);
  process.exit(1);
});
