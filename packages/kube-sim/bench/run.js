#!/usr/bin/env node
/*
 * kube-sim benchmark: prints, in one run,
 *   - the time for 1,000 claims to all become Ready with the provider delay at zero,
 *   - p50/p99 latency from a write to the watch event reaching a client,
 *   - list latency with 10,000 objects,
 *   - peak RSS of the simulator, which runs as its own process (bin/kube-sim), as npm start
 *     runs it, so that the benchmark's clients are not counted.
 *
 *   yarn workspace @crossplane-temporal/kube-sim bench [--claims 1000] [--objects 10000]
 */
'use strict';

require('@backstage/cli/config/nodeTransform.cjs');
const k8s = require('@kubernetes/client-node');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const { createServer } = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { KubeSimAdminClient } = require('../src');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const CLAIMS = option('claims', 1000);
const OBJECTS = option('objects', 10000);
const WATCH_SAMPLES = option('watch-samples', 500);

/** Peak resident memory of a process so far, from /proc (MB). */
function peakRssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)[1]) / 1024;
}

function freePort() {
  return new Promise(resolve => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** bin/kube-sim as a process of its own; what the benchmark needs of it. */
async function startSimulator() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-sim-bench-'));
  const port = await freePort();
  const users = ['kube-admin', 'pat'];
  const child = spawn(
    process.execPath,
    [
      path.join(__dirname, '../bin/kube-sim'),
      '--port',
      String(port),
      '--provider-delay',
      '0',
      '--log-level',
      'error',
      '--kubeconfig-out',
      path.join(dir, 'kube-admin'),
      ...users.flatMap(u => ['--kubeconfig-for', `${u}=${path.join(dir, u)}`]),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise((resolve, reject) => {
    child.stdout.on('data', chunk => {
      if (String(chunk).includes('kube-sim ready at')) resolve();
    });
    child.on('exit', code =>
      reject(new Error(`kube-sim exited with ${code} before it was ready`)),
    );
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    pid: child.pid,
    kubeconfigFor: user => fs.readFileSync(path.join(dir, user), 'utf8'),
    admin: new KubeSimAdminClient(url),
    async stop() {
      const exited = new Promise(resolve => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ];
};
const ms = n => `${n.toFixed(1)} ms`;

async function claimsReady(sim) {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(sim.kubeconfigFor('pat'));
  const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  const claims =
    '/apis/database.example.org/v1alpha1/namespaces/team-alpha/postgresqlinstances';
  const ready = new Set();
  let done;
  const allReady = new Promise(resolve => (done = resolve));
  const controller = await new k8s.Watch(kc).watch(
    claims,
    {},
    (_type, o) => {
      const c = (o.status?.conditions ?? []).find(x => x.type === 'Ready');
      if (
        c?.status === 'True' &&
        c.observedGeneration === o.metadata.generation
      ) {
        ready.add(o.metadata.name);
        if (ready.size === CLAIMS) done();
      }
    },
    () => {},
  );
  const started = process.hrtime.bigint();
  const batch = 50;
  for (let i = 0; i < CLAIMS; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, CLAIMS - i) }, (_, j) =>
        objects.patch(
          {
            apiVersion: 'database.example.org/v1alpha1',
            kind: 'PostgreSQLInstance',
            metadata: { name: `bench-${i + j}`, namespace: 'team-alpha' },
            spec: { parameters: { size: 'small' } },
          },
          undefined,
          undefined,
          'bench',
          true,
          k8s.PatchStrategy.ServerSideApply,
        ),
      ),
    );
  }
  await allReady;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  controller.abort();
  return seconds;
}

async function watchLatency(sim) {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(sim.kubeconfigFor('kube-admin'));
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const sentAt = new Map();
  const latencies = [];
  let next;
  const controller = await new k8s.Watch(kc).watch(
    '/api/v1/namespaces/team-beta/configmaps',
    {},
    (type, o) => {
      const t = sentAt.get(o.metadata.name);
      if (type === 'ADDED' && t !== undefined) {
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
        next?.();
      }
    },
    () => {},
  );
  const nextEvent = () => new Promise(resolve => (next = resolve));
  for (let i = 0; i < WATCH_SAMPLES; i++) {
    const name = `latency-${i}`;
    const seen = nextEvent();
    sentAt.set(name, process.hrtime.bigint());
    await core.createNamespacedConfigMap({
      namespace: 'team-beta',
      body: { metadata: { name }, data: { i: String(i) } },
    });
    await seen;
  }
  controller.abort();
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function listLatency(sim) {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(sim.kubeconfigFor('kube-admin'));
  const core = kc.makeApiClient(k8s.CoreV1Api);
  // Filled through the admin endpoint (one keep-alive connection): the figure is the list's.
  for (let i = 0; i < OBJECTS; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, OBJECTS - i) }, (_, j) =>
        sim.admin.applyManifest({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: `list-${i + j}`,
            namespace: 'team-alpha',
            labels: { bench: 'list' },
          },
          data: { v: 'x' },
        }),
      ),
    );
  }
  const samples = [];
  for (let i = 0; i < 10; i++) {
    const t = process.hrtime.bigint();
    const list = await core.listNamespacedConfigMap({
      namespace: 'team-alpha',
      labelSelector: 'bench=list',
    });
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (list.items.length !== OBJECTS)
      throw new Error(
        `listed ${list.items.length} objects, expected ${OBJECTS}`,
      );
  }
  return { p50: percentile(samples, 50), max: Math.max(...samples) };
}

async function main() {
  const sim = await startSimulator();
  try {
    process.stdout.write(
      `kube-sim benchmark (node ${process.version}, ${
        require('node:os').cpus().length
      } CPUs)\n`,
    );
    const readySeconds = await claimsReady(sim);
    process.stdout.write(
      `${CLAIMS} claims Ready:            ${readySeconds.toFixed(
        2,
      )} s (target: under 20 s)\n`,
    );
    const watch = await watchLatency(sim);
    process.stdout.write(
      `write → watch event (${WATCH_SAMPLES}):   p50 ${ms(watch.p50)}, p99 ${ms(
        watch.p99,
      )} (target: p99 under 50 ms)\n`,
    );
    const list = await listLatency(sim);
    process.stdout.write(
      `list of ${OBJECTS} objects:       p50 ${ms(list.p50)}, max ${ms(
        list.max,
      )}\n`,
    );
    process.stdout.write(
      `simulator peak RSS:            ${Math.round(
        peakRssMb(sim.pid),
      )} MB (target: under 400 MB); the benchmark's clients: ${Math.round(
        peakRssMb(process.pid),
      )} MB\n`,
    );
  } finally {
    await sim.stop();
  }
}

main().catch(error => {
  const cause = error.cause
    ? `\ncaused by: ${error.cause.stack ?? error.cause}`
    : '';
  process.stderr.write(`benchmark failed: ${error.stack ?? error}${cause}\n`);
  process.exit(1);
});
