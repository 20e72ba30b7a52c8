#!/usr/bin/env node
/*
 * temporal-dev-server benchmark. Starts the server as its own process and a worker here, then
 * prints, for N workflows of one activity and N of three activities and a timer: workflows per
 * second, p50/p99 start-to-completion latency; the same number of no-op gRPC round trips against
 * the same server, measured in the same run, with the ratio; and the server's peak RSS, and its
 * RSS once TOTAL workflows have completed.
 *
 *   yarn workspace @crossplane-temporal/temporal-dev-server bench [--workflows 1000] [--total 10000]
 *     [--workflow-threads 2] [--rounds 3] [--sqlite]
 *
 * The worker has the SDK's defaults (its requests gzip-compressed) but for its two workflow
 * threads, one per core of the machines it is measured on. Each scenario runs ROUNDS times; the
 * median round is printed, with the range.
 *
 * The server runs as npm start runs it, from compiled JavaScript (built first when out of date);
 * in memory, or with --sqlite on a SQLite file in a temporary folder, as npm start keeps it.
 */
'use strict';

require('@backstage/cli/config/nodeTransform.cjs');
const { compiledIsCurrent } = require('../bin/run');
const { spawn, spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const os = require('node:os');
const { createServer } = require('node:net');
const path = require('node:path');
const { Client, Connection } = require('@temporalio/client');
const {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
} = require('@temporalio/worker');
const activities = require('./activities');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const N = option('workflows', 1000);
const TOTAL = option('total', 10000);
const BATCH = 500;
const WORKFLOW_THREADS = option('workflow-threads', 2);
const ROUNDS = option('rounds', 3);
const DB_DIR = args.includes('--sqlite')
  ? mkdtempSync(path.join(os.tmpdir(), 'dev-server-bench-'))
  : undefined;
const DB_FILE = DB_DIR && path.join(DB_DIR, 'bench.db');

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ];
};
const ms = n => `${n.toFixed(1)} ms`;
const mb = kb => `${(kb / 1024).toFixed(0)} MB`;

/** CPU seconds a process has used, from /proc (user + system). */
function cpuOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .split(') ')[1]
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident and peak resident memory of a process, from /proc (kB). */
function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = name =>
    Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)[1]);
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

function freePort() {
  return new Promise(resolve => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function startServer(port) {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      path.join(__dirname, '../bin/temporal-dev-server'),
      '--port',
      String(port),
      '--log-level',
      'warn',
      ...(DB_FILE ? ['--db-filename', DB_FILE] : []),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const spawnedAt = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    child.stdout.on('data', chunk => {
      if (String(chunk).includes('ready at'))
        resolve({
          child,
          readyMs: Number(process.hrtime.bigint() - spawnedAt) / 1e6,
        });
    });
    child.on('exit', code => reject(new Error(`server exited with ${code}`)));
  });
}

/** Starts `count` workflows at once and waits for every result; latencies per workflow. */
async function runWorkflows(client, type, count, label, serverPid) {
  const started = performance.now();
  const serverCpu = serverPid && cpuOf(serverPid);
  const ownCpu = process.cpuUsage();
  const one = async i => {
    const t0 = performance.now();
    const handle = await client.workflow.start(type, {
      taskQueue: 'bench',
      workflowId: `${label}-${i}`,
      args: [i],
    });
    await handle.result();
    return performance.now() - t0;
  };
  const latencies = [];
  for (let from = 0; from < count; from += BATCH) {
    const batch = [];
    for (let i = from; i < Math.min(count, from + BATCH); i++)
      batch.push(one(i));
    latencies.push(...(await Promise.all(batch)));
    process.stderr.write(`  ${label}: ${latencies.length}/${count}\n`);
  }
  const seconds = (performance.now() - started) / 1000;
  const own = process.cpuUsage(ownCpu);
  return {
    seconds,
    perSecond: count / seconds,
    latencies,
    // CPU milliseconds per workflow: the server's, and the worker's and client's (this process).
    serverCpuMs: serverPid
      ? ((cpuOf(serverPid) - serverCpu) * 1000) / count
      : 0,
    workerCpuMs: (own.user + own.system) / 1000 / count,
  };
}

async function noOpRoundTrips(connection, count) {
  const started = performance.now();
  for (let from = 0; from < count; from += BATCH) {
    const batch = [];
    for (let i = from; i < Math.min(count, from + BATCH); i++)
      batch.push(connection.workflowService.getSystemInfo({}));
    await Promise.all(batch);
  }
  return (performance.now() - started) / 1000;
}

async function main() {
  // Measure the server as npm start runs it: from compiled JavaScript.
  if (!compiledIsCurrent()) {
    process.stderr.write('  compiling the server (yarn build)\n');
    spawnSync('yarn', ['build'], {
      cwd: path.join(__dirname, '..'),
      stdio: 'inherit',
    });
  }
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const port = await freePort();
  const { child, readyMs } = await startServer(port);
  const address = `127.0.0.1:${port}`;
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, memoryOf(child.pid).peak);
  }, 100);

  // Bundled once: every worker below runs the same code.
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows'),
    logger: new DefaultLogger('ERROR'),
  });

  /** Runs `fn` while a worker polls (the SDK's defaults but for its threads); stops it after. */
  async function withWorker(fn) {
    const workerConnection = await NativeConnection.connect({ address });
    const worker = await Worker.create({
      connection: workerConnection,
      taskQueue: 'bench',
      workflowBundle: { code },
      activities,
      maxConcurrentWorkflowTaskExecutions: 200,
      maxConcurrentActivityTaskExecutions: 200,
      // One thread per core: a thread runs one workflow activation at a time.
      workflowThreadPoolSize: WORKFLOW_THREADS,
    });
    const running = worker.run();
    try {
      return await fn();
    } finally {
      worker.shutdown();
      await running;
      await workerConnection.close();
    }
  }

  const rows = [];
  try {
    // These machines are noisy, and the server's code is optimised as it runs: every scenario
    // runs in several rounds, and the median round counts.
    const rounds = [];
    let completed = 0;
    await withWorker(async () => {
      // Warm up the worker's caches, so the first round is not charged for them.
      await runWorkflows(client, 'oneActivity', 50, 'warmup');
      completed += 50;
      for (let round = 1; round <= ROUNDS; round++) {
        rounds.push({
          noOp: await noOpRoundTrips(connection, N),
          one: await runWorkflows(
            client,
            'oneActivity',
            N,
            `one-activity-${round}`,
            child.pid,
          ),
          three: await runWorkflows(
            client,
            'threeActivitiesAndATimer',
            N,
            `three-activities-timer-${round}`,
            child.pid,
          ),
        });
        completed += 2 * N;
      }
      let filler = 0;
      while (completed < TOTAL) {
        const count = Math.min(N, TOTAL - completed);
        await runWorkflows(client, 'oneActivity', count, `fill-${filler++}`);
        completed += count;
      }
    });
    const after = memoryOf(child.pid);
    peak = Math.max(peak, after.peak);
    // What the server keeps once idle: V8 gives back heap it no longer needs after a while.
    let settled = after.rss;
    for (let i = 0; i < 20; i++) {
      await new Promise(resolve => setTimeout(resolve, 1000));
      settled = Math.min(settled, memoryOf(child.pid).rss);
    }

    /** The round whose `scenario` had the median throughput, and the range over all rounds. */
    const median = scenario => {
      const sorted = [...rounds].sort(
        (a, b) => a[scenario].perSecond - b[scenario].perSecond,
      );
      return {
        round: sorted[Math.floor(sorted.length / 2)],
        low: sorted[0][scenario].perSecond,
        high: sorted[sorted.length - 1][scenario].perSecond,
      };
    };
    for (const [name, scenario] of [
      ['1 activity', 'one'],
      ['3 activities + timer', 'three'],
    ]) {
      const { round, low, high } = median(scenario);
      const r = round[scenario];
      rows.push(
        [
          `${N} workflows, ${name}`,
          `${r.perSecond.toFixed(0)} workflows/s (${low.toFixed(
            0,
          )}–${high.toFixed(0)})`,
          `p50 ${ms(percentile(r.latencies, 50))}`,
          `p99 ${ms(percentile(r.latencies, 99))}`,
          `${(r.seconds / round.noOp).toFixed(
            1,
          )}× the time of ${N} no-op round trips`,
          `server ${r.serverCpuMs.toFixed(
            1,
          )} ms, worker + client ${r.workerCpuMs.toFixed(1)} ms`,
        ].join(' | '),
      );
    }
    const noOps = rounds.map(r => N / r.noOp).sort((a, b) => a - b);
    console.log('\ntemporal-dev-server benchmark');
    console.log(
      '| scenario | throughput | latency p50 | latency p99 | vs no-op gRPC | CPU per workflow |',
    );
    console.log('|---|---|---|---|---|---|');
    for (const row of rows) console.log(`| ${row} |`);
    console.log(
      `| ${N} no-op round trips (GetSystemInfo) | ${noOps[
        Math.floor(noOps.length / 2)
      ].toFixed(0)} calls/s (${noOps[0].toFixed(0)}–${noOps[
        noOps.length - 1
      ].toFixed(0)}) | | | 1× | |`,
    );
    console.log(
      `\nmedian of ${ROUNDS} rounds (range in brackets); worker: the SDK's defaults (requests gzip-compressed), ${WORKFLOW_THREADS} workflow threads`,
    );
    console.log(
      `server ran from ${
        compiledIsCurrent()
          ? 'compiled JavaScript (dist/)'
          : 'TypeScript sources'
      }, ${
        DB_FILE ? 'keeping its state in a SQLite file' : 'in memory'
      }; ready ${readyMs.toFixed(0)} ms after spawn`,
    );
    console.log(
      `server peak RSS ${mb(
        peak,
      )}; RSS after ${completed} completed workflows ${mb(after.rss)}, ${mb(
        settled,
      )} once idle (lowest over the next 20 s)`,
    );
  } finally {
    clearInterval(sampler);
    await connection.close();
    child.kill('SIGTERM');
    if (DB_DIR) {
      if (child.exitCode === null && child.signalCode === null)
        await new Promise(resolve => child.once('exit', resolve));
      rmSync(DB_DIR, { recursive: true, force: true });
    }
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
