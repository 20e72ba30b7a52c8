#!/usr/bin/env node
/*
 * `npm test`: the OpenAPI types, type checking, lint, the API reports check, every package's Jest
 * tests and the browser tests, in that order.
 * Every step runs even when an earlier one failed, so one run shows everything that is broken.
 * The last line totals the tests over every runner:
 *
 *   tests: N passed, N failed[, N skipped]
 *
 * Generating the OpenAPI types, type checking, lint and the API reports check count as one test
 * each. Run it through scripts/toolchain.js (as `npm test` does) so that Node 22, yarn 4 and the
 * dependencies are in place.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { localDir, repoRoot } from './lib/stack.mjs';

const resultsDir = path.join(localDir, 'test-results');
const totals = { passed: 0, failed: 0, skipped: 0 };
const summary = [];

const log = message => process.stdout.write(`[test] ${message}\n`);

/** System packages the tests drive for real; installed when missing (CI runs as root). */
const systemPackages = [
  { binary: '/usr/bin/chromium', pkg: 'chromium', usedBy: 'the browser tests' },
  {
    binary: 'kubectl',
    pkg: 'kubernetes-client',
    usedBy: 'the cluster simulator tests',
  },
  {
    binary: '/usr/bin/prometheus',
    pkg: 'prometheus',
    usedBy: 'the metrics test (a real Prometheus scrapes the backend)',
  },
];

function hasBinary(binary) {
  if (binary.includes('/')) return fs.existsSync(binary);
  return (
    spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' })
      .status === 0
  );
}

function ensureSystemPackages() {
  const missing = systemPackages.filter(p => !hasBinary(p.binary));
  if (missing.length === 0) return true;
  const names = missing.map(p => p.pkg);
  log(`installing missing system packages with apt-get: ${names.join(', ')}`);
  const apt = (...args) =>
    spawnSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  const update = apt('update', '-qq');
  const install =
    update.status === 0 ? apt('install', '-y', '-qq', ...names) : update;
  const stillMissing = missing.filter(p => !hasBinary(p.binary));
  if (install.status === 0 && stillMissing.length === 0) return true;
  for (const p of stillMissing) {
    log(
      `error: ${p.usedBy} need the Debian package '${p.pkg}' (${p.binary}), and it could not be installed; install it with \`apt-get install ${p.pkg}\` as root and run again`,
    );
  }
  return false;
}

function run(command, args, env = {}) {
  return new Promise(resolve => {
    const child = spawn(command, args, {
      cwd: repoRoot,
      stdio: 'inherit',
      env: { ...process.env, ...env },
    });
    child.on('exit', code => resolve(code ?? 1));
    child.on('error', error => {
      log(`error: could not run ${command}: ${error.message}`);
      resolve(1);
    });
  });
}

function record(step, counts, seconds) {
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped ?? 0;
  const skipped = counts.skipped ? `, ${counts.skipped} skipped` : '';
  summary.push(
    `${step.padEnd(12)} ${counts.passed} passed, ${
      counts.failed
    } failed${skipped} (${seconds} s)`,
  );
}

async function step(name, body) {
  log(`── ${name}`);
  const started = Date.now();
  const counts = await body();
  record(name, counts, Math.round((Date.now() - started) / 1000));
}

/** A step that is one test: it passes when the command exits with 0. */
const checkStep = (name, command, args) =>
  step(name, async () => {
    const code = await run(command, args);
    return code === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
  });

/** Reads a runner's JSON report; a runner that crashed before writing one counts as one failure. */
function readReport(file, runner, exitCode, countsOf) {
  try {
    const counts = countsOf(JSON.parse(fs.readFileSync(file, 'utf8')));
    // A runner that failed without a failed test (a suite that could not load, a global error).
    if (exitCode !== 0 && counts.failed === 0) counts.failed = 1;
    return counts;
  } catch (error) {
    log(
      `error: ${runner} wrote no readable report (${error.message}); counting it as failed`,
    );
    return { passed: 0, failed: 1 };
  }
}

async function main() {
  fs.rmSync(resultsDir, { recursive: true, force: true });
  fs.mkdirSync(resultsDir, { recursive: true });

  const systemReady = ensureSystemPackages();
  if (!systemReady) record('system', { passed: 0, failed: 1 }, 0);

  // What the code needs from the OpenAPI documents, made again if a document changed since the
  // install made it.
  await checkStep('openapi', 'node', ['scripts/generate-openapi.mjs']);
  await checkStep('typecheck', 'yarn', ['tsc']);
  await checkStep('lint', 'yarn', ['lint']);
  // After type checking: it reads the declarations that `yarn tsc` wrote to dist-types/.
  await step('api-reports', async () => {
    const code = await run('yarn', ['build:api-reports:only', '--ci']);
    if (code === 0) return { passed: 1, failed: 0 };
    log(
      "error: a package's public API no longer matches its report.api.md (or the report has warnings); run `yarn build:api-reports`, review the change to the reports and commit them",
    );
    return { passed: 0, failed: 1 };
  });

  await step('jest', async () => {
    const report = path.join(resultsDir, 'jest.json');
    const code = await run('yarn', [
      'backstage-cli',
      'repo',
      'test',
      '--ci',
      '--watchAll=false',
      '--json',
      `--outputFile=${report}`,
    ]);
    return readReport(report, 'jest', code, r => ({
      passed: r.numPassedTests,
      failed: r.numFailedTests + r.numRuntimeErrorTestSuites,
      skipped: r.numPendingTests + r.numTodoTests,
    }));
  });

  await step('browser', async () => {
    const report = path.join(resultsDir, 'playwright.json');
    const code = await run(
      'yarn',
      ['playwright', 'test', '--reporter=list,json'],
      {
        PLAYWRIGHT_JSON_OUTPUT_NAME: report,
      },
    );
    return readReport(report, 'playwright', code, r => ({
      passed: r.stats.expected + r.stats.flaky,
      failed: r.stats.unexpected,
      skipped: r.stats.skipped,
    }));
  });

  log('── summary');
  for (const line of summary) log(line);
  log(`reports and browser artifacts: ${path.relative(repoRoot, localDir)}/`);
  const skipped = totals.skipped ? `, ${totals.skipped} skipped` : '';
  process.stdout.write(
    `tests: ${totals.passed} passed, ${totals.failed} failed${skipped}\n`,
  );
  process.exitCode = totals.failed === 0 ? 0 : 1;
}

main().catch(error => {
  log(`error: ${error.stack ?? error}`);
  process.stdout.write(
    `tests: ${totals.passed} passed, ${totals.failed + 1} failed\n`,
  );
  process.exitCode = 1;
});
