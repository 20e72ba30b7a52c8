#!/usr/bin/env node
/*
 * Builds the pre-built workflow bundle production workers load
 * (crossplaneTemporal.temporal.worker.workflowBundlePath), so they do not bundle at start.
 * The plugin says how its workflows are bundled; this only writes the result.
 */
'use strict';

// The plugin is TypeScript source inside the monorepo.
require('@backstage/cli/config/nodeTransform.cjs');
const fs = require('node:fs');
const path = require('node:path');
const {
  bundleResourceWorkflows,
} = require('@crossplane-temporal/plugin-crossplane-temporal-backend');

async function main() {
  const out = path.resolve(__dirname, '../dist/workflow-bundle.js');
  const code = await bundleResourceWorkflows();
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
