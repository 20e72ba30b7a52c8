#!/usr/bin/env node
/*
 * Resource workflow benchmark, on the embedded stack (the cluster simulator, the Temporal dev
 * server as its own process, and a resource worker as its own process). Prints, in one run:
 *   - the time for N concurrent provisioning workflows to reach Ready,
 *   - the worker's peak RSS,
 *   - the latency from the simulator marking a claim Ready to the workflow observing it, for the
 *     event-driven path (watchers signal the workflow) and for a 10-second polling path (no
 *     watchers; the workflow reads the claim every 10 s), side by side.
 *
 *   yarn workspace @crossplane-temporal/plugin-crossplane-temporal-backend bench \
 *     [--workflows 1000] [--paced-workflows 100] [--paced-rate 5] [--provider-delay-ms 500]
 *     [--max-cached-workflows N] [--workflow-threads N] [--max-concurrent-workflow-tasks N]
 *
 * The paced phases run first, on an empty cluster: a worker that starts watching finds every
 * existing resource and tells its workflow, which would disturb them.
 * The burst shows throughput and memory; its latencies are mostly queueing on a saturated
 * machine. The paced phases (a steady trickle of provisions, the same for both paths) show what
 * each path itself costs between Ready and the workflow knowing it.
 */
'use strict';

require('@backstage/cli/config/nodeTransform.cjs');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Client, Connection } = require('@temporalio/client');
const {
  resourceWorkflowId,
} = require('@crossplane-temporal/plugin-crossplane-temporal-common');
const {
  refFor,
  startProvision,
} = require('../src/__testUtils__/resourceWorkflowHarness');
const { startTestCluster } = require('../src/__testUtils__/testCluster');
const { unusedPort } = require('../src/__testUtils__/unusedPort');
const {
  spawnWorkerProcess,
  stopWorkerProcess,
  writeWorkflowBundle,
} = require('../src/__testUtils__/spawnWorkerProcess');
const { statusQuery } = require('../src/workflows/definitions');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const N = option('workflows', 1000);
const PACED_N = option('paced-workflows', 100);
const PACED_RATE = option('paced-rate', 5);
const PROVIDER_DELAY_MS = option('provider-delay-ms', 500);
const CACHED = option('max-cached-workflows', 0);
const WORKFLOW_THREADS = option('workflow-threads', 0);
const WORKFLOW_TASKS = option('max-concurrent-workflow-tasks', 0);
const POLL_SECONDS = 10;
const NAMESPACE = 'team-alpha';
const CLAIM_KIND = 'PostgreSQLInstance';

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ];
};
const ms = n => `${n.toFixed(0)} ms`;
const progress = message => process.stderr.write(`  ${message}\n`);

/** CPU seconds a process has used, from /proc (user + system). */
function cpuSeconds(pid) {
  const fields = fs
    .readFileSync(`/proc/${pid}/stat`, 'utf8')
    .split(') ')[1]
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident memory of a process now and its peak so far, from /proc (MB). */
function rssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = name =>
    Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)[1]) / 1024;
  return { now: field('VmRSS'), peak: field('VmHWM') };
}

function startTemporal(port) {
  const serverDir = path.dirname(
    require.resolve('@crossplane-temporal/temporal-dev-server/package.json'),
  );
  // As npm start runs it: from compiled JavaScript, built first when out of date.
  if (!require(path.join(serverDir, 'bin/run')).compiledIsCurrent()) {
    progress('compiling the Temporal dev server (yarn build)');
    spawnSync('yarn', ['build'], { cwd: serverDir, stdio: 'inherit' });
  }
  const bin = path.join(serverDir, 'bin/temporal-dev-server');
  const child = spawn(
    process.execPath,
    [bin, '--port', String(port), '--log-level', 'warn'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.stdout.on('data', chunk => {
      if (String(chunk).includes('ready at')) resolve(child);
    });
    child.on('exit', code =>
      reject(new Error(`the Temporal dev server exited with ${code}`)),
    );
  });
}

/**
 * When the simulator first reported each claim Ready for its current generation, in epoch ms,
 * taken in process right after the simulated controller stored it.
 */
function trackReadyClaims(sim) {
  const readyAt = new Map();
  const waiters = [];
  const stop = sim.onChange(({ object }) => {
    if (object.kind !== CLAIM_KIND || object.metadata.namespace !== NAMESPACE)
      return;
    const name = object.metadata.name;
    if (readyAt.has(name)) return;
    const ready = (object.status?.conditions ?? []).find(
      c => c.type === 'Ready',
    );
    if (
      ready?.status === 'True' &&
      ready.observedGeneration === object.metadata.generation
    ) {
      readyAt.set(name, Date.now());
      for (const waiter of [...waiters]) waiter();
    }
  });
  const until = (names, timeoutMs) =>
    new Promise((resolve, reject) => {
      const timer = { id: undefined };
      const check = () => {
        if (names.every(n => readyAt.has(n))) {
          waiters.splice(waiters.indexOf(check), 1);
          clearTimeout(timer.id);
          resolve();
        }
      };
      timer.id = setTimeout(() => {
        waiters.splice(waiters.indexOf(check), 1);
        const missing = names.filter(n => !readyAt.has(n));
        reject(
          new Error(
            `${missing.length} claims not Ready in the simulator after ${
              timeoutMs / 1000
            } s, e.g. ${missing.slice(0, 3).join(', ')}`,
          ),
        );
      }, timeoutMs);
      waiters.push(check);
      check();
    });
  return { readyAt, until, stop };
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  });
  await Promise.all(lanes);
  return results;
}

/**
 * Starts one provisioning workflow per name, as the backend does (signal-with-start): all at
 * once, or `perSecond` a second.
 */
function provisionAll(client, taskQueue, names, workflowOptions, perSecond) {
  const started = Date.now();
  return Promise.all(
    names.map(async (name, i) => {
      if (perSecond) {
        const at = started + (i * 1000) / perSecond;
        await new Promise(resolve => setTimeout(resolve, at - Date.now()));
      }
      return startProvision(client, {
        taskQueue,
        ref: refFor(name),
        requestId: `bench-${name}`,
        policy: { readyTimeoutSeconds: 600 },
        workflowOptions,
      });
    }),
  );
}

/**
 * Resolves once every workflow has an outcome: it asks its requester to be told (the `notify`
 * activity that follows Ready, or a failure). Read from the histories with the server's history
 * long-poll, which the worker takes no part in: asking the workflows themselves (queries) while
 * the last of them still work would load the worker being measured with a replay per query.
 */
async function outcomesDecided(client, names, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  await pool(names, 50, async name => {
    let nextPageToken;
    for (;;) {
      const response = await client.workflowService.getWorkflowExecutionHistory(
        {
          namespace: 'default',
          execution: { workflowId: resourceWorkflowId(refFor(name)) },
          nextPageToken,
          waitNewEvent: true,
        },
      );
      const notified = (response.history?.events ?? []).some(
        e =>
          e.activityTaskScheduledEventAttributes?.activityType?.name ===
          'notify',
      );
      if (notified) return;
      if (!response.nextPageToken?.length)
        throw new Error(`${name} closed without an outcome`);
      if (Date.now() > deadline)
        throw new Error(`${name} has no outcome at the deadline`);
      nextPageToken = response.nextPageToken;
    }
  });
}

/** When each workflow recorded that it saw Ready (workflow time, epoch ms), asking each by query. */
async function observedReady(client, names, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return pool(names, 20, async name => {
    const handle = client.workflow.getHandle(resourceWorkflowId(refFor(name)));
    for (;;) {
      const status = await handle.query(statusQuery);
      const seen = status.steps.find(
        s => s.step === 'wait-ready' && s.outcome === 'succeeded',
      );
      if (seen) return Date.parse(seen.at);
      if (status.phase === 'Failed')
        throw new Error(`${name} failed: ${status.lastError?.message}`);
      if (Date.now() > deadline)
        throw new Error(
          `${name} still ${
            status.phase
          } at the deadline; last steps: ${JSON.stringify(
            status.steps.slice(-3),
          )}`,
        );
      await new Promise(resolve => setTimeout(resolve, 200));
    }
  });
}

/** One phase: provision `names` with a worker of `workerConfig`, measure until all are seen Ready. */
async function runPhase({
  label,
  names,
  client,
  stack,
  watchers,
  options,
  perSecond,
}) {
  const worker = await spawnWorkerProcess(
    {
      crossplaneTemporal: {
        temporal: {
          address: stack.address,
          taskQueue: stack.taskQueue,
          // BENCH_WORKER_METRICS=host:port: the worker's SDK metrics, to watch a run as it goes.
          ...(process.env.BENCH_WORKER_METRICS
            ? {
                metrics: {
                  prometheusBindAddress: process.env.BENCH_WORKER_METRICS,
                },
              }
            : {}),
          // Production workers load a pre-built bundle rather than bundle at start.
          worker: {
            watchers,
            workflowBundlePath: stack.workflowBundlePath,
            ...(CACHED ? { maxCachedWorkflows: CACHED } : {}),
            ...(WORKFLOW_THREADS
              ? { workflowThreadPoolSize: WORKFLOW_THREADS }
              : {}),
            ...(WORKFLOW_TASKS
              ? { maxConcurrentWorkflowTaskExecutions: WORKFLOW_TASKS }
              : {}),
          },
        },
        clusters: [stack.cluster.clusterConfig],
      },
    },
    { nodeOptions: process.env.BENCH_WORKER_NODE_OPTIONS },
  );
  const workerStartRssMb = rssMb(worker.pid).now;
  progress(
    `${label}: worker ${worker.pid} ready (${workerStartRssMb.toFixed(
      0,
    )} MB); starting ${names.length}`,
  );
  try {
    const processes = {
      worker: worker.pid,
      temporal: stack.temporalPid,
      'simulator + client': process.pid,
    };
    const cpuBefore = Object.fromEntries(
      Object.entries(processes).map(([k, pid]) => [k, cpuSeconds(pid)]),
    );
    const started = Date.now();
    await provisionAll(client, stack.taskQueue, names, options, perSecond);
    progress(
      `${label}: ${names.length} workflows started in ${ms(
        Date.now() - started,
      )}`,
    );
    const ticker = setInterval(() => {
      const ready = names.filter(n => stack.ready.readyAt.has(n)).length;
      progress(`${label}: ${ready}/${names.length} Ready in the simulator`);
    }, 5000);
    try {
      await stack.ready.until(names, 300_000);
    } finally {
      clearInterval(ticker);
    }
    await outcomesDecided(client, names, (POLL_SECONDS + 120) * 1000);
    // The run's peak, before the status queries below (each a replay for a worker whose cache
    // no longer holds the workflow) add load of the benchmark's own.
    const workerPeakRssMb = rssMb(worker.pid).peak;
    const cpuWindowSeconds = (Date.now() - started) / 1000;
    const cpuAfter = Object.fromEntries(
      Object.entries(processes).map(([k, pid]) => [k, cpuSeconds(pid)]),
    );
    const seenAt = await observedReady(client, names, 30_000);
    const latencies = names.map(
      (name, i) => seenAt[i] - stack.ready.readyAt.get(name),
    );
    progress(`${label}: all ${names.length} seen Ready by their workflows`);
    const { events } = await client.workflow
      .getHandle(resourceWorkflowId(refFor(names[0])))
      .fetchHistory();
    const count = attributes =>
      events.filter(e => e[`${attributes}EventAttributes`]).length;
    progress(
      `${label}: one provision's history: ${events.length} events, ${count(
        'workflowExecutionSignaled',
      )} signals, ${count('workflowTaskCompleted')} workflow tasks, ${count(
        'activityTaskCompleted',
      )} activities`,
    );
    // Workflow tasks that waited on a worker's sticky queue past its schedule-to-start timeout
    // (and went to the normal queue, to be replayed), over a sample of the workflows.
    const sample = names.slice(0, 100);
    let timedOut = 0;
    let failed = 0;
    let tasks = 0;
    for (const name of sample) {
      const history = await client.workflow
        .getHandle(resourceWorkflowId(refFor(name)))
        .fetchHistory();
      for (const e of history.events ?? []) {
        if (e.workflowTaskTimedOutEventAttributes) timedOut++;
        if (e.workflowTaskFailedEventAttributes) failed++;
        if (e.workflowTaskScheduledEventAttributes) tasks++;
      }
    }
    progress(
      `${label}: workflow tasks timed out: ${timedOut}, failed: ${failed}, of ${tasks} in ${sample.length} workflows`,
    );
    const seconds = (Math.max(...seenAt) - started) / 1000;
    progress(
      `${label}: CPU use over ${cpuWindowSeconds.toFixed(
        1,
      )} s (until every outcome): ${Object.entries(processes)
        .map(
          ([k]) =>
            `${k} ${(
              ((cpuAfter[k] - cpuBefore[k]) / cpuWindowSeconds) *
              100
            ).toFixed(0)}%`,
        )
        .join(', ')}`,
    );
    return {
      seconds,
      latencies,
      workerStartRssMb,
      workerPeakRssMb,
    };
  } finally {
    await stopWorkerProcess(worker, 'SIGTERM');
  }
}

const names = (prefix, count) =>
  Array.from(
    { length: count },
    (_, i) => `${prefix}-${String(i).padStart(4, '0')}`,
  );

async function main() {
  const port = await unusedPort();
  const [cluster, temporal] = await Promise.all([
    startTestCluster({ providerDelayMs: PROVIDER_DELAY_MS }),
    startTemporal(port),
  ]);
  const stack = {
    dir: fs.mkdtempSync(path.join(os.tmpdir(), 'resource-bench-')),
    cluster,
    ready: trackReadyClaims(cluster.sim),
    taskQueue: 'resources-bench',
    address: `127.0.0.1:${port}`,
    temporalPid: temporal.pid,
  };
  stack.workflowBundlePath = await writeWorkflowBundle(
    path.join(stack.dir, 'workflow-bundle.js'),
  );
  const connection = await Connection.connect({ address: stack.address });
  const client = new Client({ connection });
  try {
    // --paced-workflows 0: the burst alone (quicker, to try settings).
    const paced = PACED_N > 0;
    const events =
      paced &&
      (await runPhase({
        label: 'event-driven',
        names: names('bench-events', PACED_N),
        client,
        stack,
        watchers: true,
        perSecond: PACED_RATE,
      }));
    const polling =
      paced &&
      (await runPhase({
        label: 'polling',
        names: names('bench-polling', PACED_N),
        client,
        stack,
        watchers: false,
        options: { fallbackPollSeconds: POLL_SECONDS },
        perSecond: PACED_RATE,
      }));

    const burst = await runPhase({
      label: 'burst',
      names: names('bench-burst', N),
      client,
      stack,
      watchers: true,
    });
    const p50 = r => percentile(r.latencies, 50);
    const p99 = r => percentile(r.latencies, 99);
    const row = (name, count, started, r) =>
      `| ${name} | ${count} | ${started} | ${r.seconds.toFixed(1)} s | ${ms(
        p50(r),
      )} | ${ms(p99(r))} | ${r.workerPeakRssMb.toFixed(
        0,
      )} MB | ${r.workerStartRssMb.toFixed(0)} MB |`;
    const ratio = f => (f(polling) / Math.max(1, f(events))).toFixed(0);
    const verdict = ok => (ok ? 'met' : 'NOT met');
    console.log(
      `\nresource workflow benchmark (${
        os.cpus().length
      } cores, provider delay ${PROVIDER_DELAY_MS} ms${
        CACHED ? `, maxCachedWorkflows ${CACHED}` : ''
      }${
        WORKFLOW_THREADS ? `, workflowThreadPoolSize ${WORKFLOW_THREADS}` : ''
      }${
        WORKFLOW_TASKS
          ? `, maxConcurrentWorkflowTaskExecutions ${WORKFLOW_TASKS}`
          : ''
      })`,
    );
    console.log(
      '| phase | workflows | started | all Ready (first start → last seen) | Ready → observed p50 | p99 | worker peak RSS | worker RSS at start |',
    );
    console.log('|---|---|---|---|---|---|---|---|');
    console.log(row('burst, event-driven', N, 'at once', burst));
    if (!paced) {
      console.log(
        `\ntargets: ${N} workflows Ready within 60 s: ${verdict(
          burst.seconds <= 60,
        )}; worker RSS under 500 MB: ${verdict(burst.workerPeakRssMb < 500)}`,
      );
      return;
    }
    console.log(row('event-driven', PACED_N, `${PACED_RATE}/s`, events));
    console.log(
      row(
        `polling every ${POLL_SECONDS} s (no watchers)`,
        PACED_N,
        `${PACED_RATE}/s`,
        polling,
      ),
    );
    console.log(
      `\nevent-driven observes Ready ${ratio(
        p50,
      )}× sooner than ${POLL_SECONDS}-second polling at p50, ${ratio(
        p99,
      )}× at p99`,
    );
    console.log(
      [
        `targets: ${N} workflows Ready within 60 s: ${verdict(
          burst.seconds <= 60,
        )}`,
        `worker RSS under 500 MB: ${verdict(
          Math.max(burst.workerPeakRssMb, events.workerPeakRssMb) < 500,
        )}`,
        `event-driven p50 under 100 ms: ${verdict(p50(events) < 100)}`,
        `p99 under 500 ms: ${verdict(p99(events) < 500)}`,
        `at least 50× faster than polling: ${verdict(
          p50(polling) / Math.max(1, p50(events)) >= 50,
        )}`,
      ].join('; '),
    );
  } finally {
    await connection.close();
    temporal.kill('SIGTERM');
    stack.ready.stop();
    await cluster.stop();
    fs.rmSync(stack.dir, { recursive: true, force: true });
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
