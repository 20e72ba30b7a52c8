#!/usr/bin/env node
/*
 * `npm start`: runs every part of the local stack on its embedded defaults, prints the URLs once
 * everything answers, and stops all of it on Ctrl-C (or SIGTERM), leaving no process behind.
 *
 * Run it through scripts/toolchain.js (as `npm start` does) so that Node 22, yarn 4 and the
 * dependencies are in place.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import {
  assertPortFree,
  spawnGroup,
  stopGroups,
  waitForFile,
  waitForHttp,
  waitForTcp,
} from './lib/processes.mjs';
import { localDir, repoRoot, stackServices } from './lib/stack.mjs';

const log = message => process.stdout.write(`[start]    ${message}\n`);
const require = createRequire(import.meta.url);

/**
 * The Temporal dev server runs from compiled JavaScript when that is current (less memory, no
 * TypeScript transform); compile it when the sources changed. Without it, it runs from source.
 * Only the JavaScript its bin/ runs: the package's own build also writes type declarations, which
 * need `yarn tsc` to have run first (and fail on a fresh clone); nothing here uses them.
 */
function compileTemporalDevServer() {
  const {
    compiledIsCurrent,
  } = require('../packages/temporal-dev-server/bin/run.js');
  if (compiledIsCurrent()) return;
  log('compiling the Temporal dev server');
  const result = spawnSync(
    'yarn',
    [
      'workspace',
      '@crossplane-temporal/temporal-dev-server',
      'backstage-cli',
      'package',
      'build',
      // The role whose build is the JavaScript alone.
      '--role',
      'cli',
    ],
    { cwd: repoRoot, stdio: 'inherit' },
  );
  if (result.status !== 0)
    log(
      'could not compile the Temporal dev server; it runs from its TypeScript sources',
    );
}

const services = stackServices();
const running = [];
let stopping;

function stop(reason, exitCode) {
  if (!stopping) {
    log(
      `${reason}: stopping ${
        running.map(r => r.service.name).join(', ') || 'nothing'
      }`,
    );
    stopping = (async () => {
      // Reverse start order: the backend's worker says goodbye to Temporal before it goes.
      for (const { child } of [...running].reverse()) await stopGroups([child]);
      log('everything stopped');
      process.exit(exitCode);
    })();
  }
  return stopping;
}

process.on('SIGINT', () => stop('interrupted', 130));
process.on('SIGTERM', () => stop('terminated', 143));
process.on('SIGHUP', () => stop('terminal closed', 129));
// Last resort if this process dies of an error: never leave the groups running.
process.on('exit', () => {
  for (const { child } of running) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

async function main() {
  for (const service of services) await assertPortFree(service.port);
  fs.mkdirSync(localDir, { recursive: true });
  compileTemporalDevServer();

  const started = Date.now();
  for (const service of services) {
    log(`starting ${service.name}`);
    const startedAt = Date.now();
    const child = spawnGroup(service.name, service.command, service.args, {
      cwd: repoRoot,
      env: { ...process.env, ...service.env },
    });
    const entry = { service, child, startedAt, alive: true };
    running.push(entry);
    child.exited.then(({ code, signal, error }) => {
      entry.alive = false;
      if (stopping) return;
      const how = error
        ? error.message
        : `exited with ${signal ?? `code ${code}`}`;
      stop(`${service.name} ${how}`, 1);
    });
    if (service.readyBeforeNext) await ready(entry);
  }
  await Promise.all(running.map(ready));

  log(`ready in ${Math.round((Date.now() - started) / 1000)} s`);
  for (const { service } of running) log(`  ${service.describe}`);
  log('press Ctrl-C to stop everything');
}

function ready(entry) {
  const options = {
    timeoutMs: entry.service.readyTimeoutMs,
    isAlive: () => entry.alive,
  };
  const { readyTcp, readyFile, readyUrl } = entry.service;
  if (readyTcp) entry.ready ??= waitForTcp(readyTcp, options);
  else if (readyFile)
    entry.ready ??= waitForFile(readyFile, {
      ...options,
      since: entry.startedAt,
    });
  else entry.ready ??= waitForHttp(readyUrl, options);
  return entry.ready;
}

main().catch(error => {
  process.stderr.write(`[start]    error: ${error.message}\n`);
  if (running.length) stop('could not start the stack', 1);
  else process.exit(1);
});
