/*
 * Shared launcher of the package's commands. They run from the compiled JavaScript in dist/
 * (`yarn build` in this package; npm start builds it) when it is newer than every source file:
 * Node then loads no TypeScript transform, which saves about 45 MB and some start-up time.
 * Otherwise (a fresh clone, or sources edited since) they run from the TypeScript sources.
 * Usage errors are reported without a stack trace.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const PACKAGE_DIR = path.resolve(__dirname, '..');

/** The newest modification time of any file under `dir` (0 when there is none). */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    newest = Math.max(
      newest,
      entry.isDirectory() ? newestMtime(file) : fs.statSync(file).mtimeMs,
    );
  }
  return newest;
}

/** Whether `packageDir`'s dist/cli.cjs.js exists and was built after the last source change. */
function compiledIsCurrent(packageDir = PACKAGE_DIR) {
  try {
    const built = fs.statSync(path.join(packageDir, 'dist', 'cli.cjs.js'));
    return built.mtimeMs >= newestMtime(path.join(packageDir, 'src'));
  } catch {
    return false;
  }
}

function loadCli() {
  if (compiledIsCurrent()) return require('../dist/cli.cjs.js');
  require('@backstage/cli/config/nodeTransform.cjs');
  return require('../src/cli');
}

/**
 * After each full collection, V8 lets the heap grow to up to four times what is live when the
 * process allocates fast. The server's live set is small (closed runs are kept compressed) and
 * most of what it allocates is short-lived request data, so growing by half of it instead takes
 * the peak RSS under load from about 330 to 240 MB with no measurable loss of throughput
 * (docs/benchmarks/temporal-dev-server.md). V8 reads this flag at every collection, so setting
 * it here works.
 */
function boundHeapGrowth() {
  require('node:v8').setFlagsFromString('--heap-growing-percent=50');
}

function run(command) {
  boundHeapGrowth();
  const cli = loadCli();
  const main =
    command === 'temporal-test-server' ? cli.runTestServerCli : cli.runCli;
  main(process.argv.slice(2)).catch(error => {
    process.stderr.write(`${command}: ${error.message}\n`);
    process.exit(error instanceof cli.UsageError ? 2 : 1);
  });
}

module.exports = run;
module.exports.compiledIsCurrent = compiledIsCurrent;
