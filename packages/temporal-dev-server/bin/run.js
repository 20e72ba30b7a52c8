/*
 * Shared launcher of the package's commands: loads the TypeScript sources and reports usage
 * errors without a stack trace.
 */
'use strict';

module.exports = function run(command) {
  require('@backstage/cli/config/nodeTransform.cjs');
  const { runCli, UsageError } = require('../src/cli');
  runCli(process.argv.slice(2)).catch(error => {
    process.stderr.write(`${command}: ${error.message}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
};
