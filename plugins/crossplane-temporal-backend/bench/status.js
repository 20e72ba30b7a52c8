#!/usr/bin/env node
/*
 * Status benchmark of the REST API: one run over N resources (default 1,000), provisioned through
 * the ResourceWorkflowClient on the embedded stack (the cluster simulator in this process, the
 * Temporal dev server and a resource worker as processes of their own), then:
 *
 *   - the status routes served from the caches (GET a resource's phase and the resource), through
 *     the plugin in a Backstage backend, at a fixed rate (default 200 requests/s, open loop: a
 *     request is sent on schedule whether or not the previous ones answered);
 *   - the same answers made the way a route without caches would: per request, read the claim,
 *     its composite and its managed resources from the cluster and query the workflow, at the
 *     same rate, in the same run.
 *
 * Prints p50/p99/max of each and how many times faster the cached path is at p50 and p99.
 * Targets: cached p99 under 25 ms, at least 10x the per-request path.
 *
 *   yarn workspace @crossplane-temporal/plugin-crossplane-temporal-backend bench:status \
 *     [--resources 1000] [--rate 200] [--seconds 15] [--provider-delay-ms 0]
 */
'use strict';

require('@backstage/cli/config/nodeTransform.cjs');
const http = require('node:http');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ConfigReader } = require('@backstage/config');
const {
  mockServices,
  startTestBackend,
} = require('@backstage/backend-test-utils');
const { Client, Connection } = require('@temporalio/client');
const {
  apiGroupOf,
  resourceApiPath,
  resourceWorkflowId,
} = require('@crossplane-temporal/plugin-crossplane-temporal-common');
const {
  startTemporalDevServer,
} = require('@crossplane-temporal/temporal-dev-server');
const {
  provisionRequest,
  refFor,
} = require('../src/__testUtils__/resourceWorkflowHarness');
const { startTestCluster } = require('../src/__testUtils__/testCluster');
const {
  spawnWorkerProcess,
  stopWorkerProcess,
  writeWorkflowBundle,
} = require('../src/__testUtils__/spawnWorkerProcess');
const { createClusterClients } = require('../src/cluster');
const {
  ResourceWorkflowClient,
} = require('../src/service/ResourceWorkflowClient');
const {
  registerSearchAttributes,
} = require('../src/service/registerSearchAttributes');
const { crossplaneTemporalPlugin } = require('../src/plugin');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const N = option('resources', 1000);
const RATE = option('rate', 200);
const SECONDS = option('seconds', 15);
const PROVIDER_DELAY_MS = option('provider-delay-ms', 0);
const progress = message => process.stderr.write(`  ${message}\n`);

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ];
};

/** Resolves once the simulator reports every claim Ready; says how many are, every 10 s. */
function readyInTheCluster(sim, names, timeoutMs) {
  const wanted = new Set(names);
  const ready = new Set();
  return new Promise((resolve, reject) => {
    const ticker = setInterval(
      () => progress(`${ready.size}/${names.length} Ready in the cluster`),
      10_000,
    );
    const timer = setTimeout(() => {
      stop();
      reject(
        new Error(
          `only ${ready.size} of ${names.length} Ready after ${timeoutMs / 1000} s`,
        ),
      );
    }, timeoutMs);
    const unsubscribe = sim.onChange(({ object }) => {
      if (object.kind !== 'PostgreSQLInstance') return;
      if (!wanted.has(object.metadata.name)) return;
      const condition = (object.status?.conditions ?? []).find(
        c => c.type === 'Ready',
      );
      if (condition?.status === 'True') ready.add(object.metadata.name);
      if (ready.size === wanted.size) {
        stop();
        resolve();
      }
    });
    function stop() {
      clearInterval(ticker);
      clearTimeout(timer);
      unsubscribe();
    }
  });
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function pool(items, limit, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

function get(port, urlPath, agent) {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: urlPath, agent },
      res => {
        let body = '';
        res.on('data', chunk => (body += chunk));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(body)
            : reject(new Error(`${urlPath}: ${res.statusCode} ${body}`)),
        );
      },
    );
    req.on('error', reject);
  });
}

/** The benchmark's own cluster clients say nothing. */
const silentLogger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  child: () => silentLogger,
};

/**
 * Sends `RATE` requests a second for `SECONDS` seconds, each to the next of `paths` in turn, on
 * schedule; the latency of each from when it was due.
 */
async function load(port, paths, seconds = SECONDS) {
  // Connections kept open for the run, as a client under steady load keeps them; a new pool each
  // run, so that none was closed by the server while idle.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    return await sendAtRate(port, paths, seconds, agent);
  } finally {
    agent.destroy();
  }
}

async function sendAtRate(port, paths, seconds, agent) {
  const total = RATE * seconds;
  const latencies = [];
  const errors = [];
  const started = performance.now();
  const requests = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait));
    requests.push(
      get(port, paths[i % paths.length], agent).then(
        () => latencies.push(performance.now() - due),
        error => errors.push(error.message),
      ),
    );
  }
  await Promise.all(requests);
  if (errors.length)
    throw new Error(`${errors.length} requests failed, e.g. ${errors[0]}`);
  return latencies;
}

/**
 * The per-request path: what a route answers when it asks the cluster and the workflow each time
 * (the claim, its composite, its managed resources, and the workflow's status by query).
 */
function startPerRequestServer(kube, workflows) {
  const server = http.createServer(async (req, res) => {
    try {
      const name = req.url.split('/').pop();
      const ref = refFor(name);
      const [claim, status] = await Promise.all([
        kube.get(ref),
        workflows.status(ref),
      ]);
      const compositeRef = claim?.spec?.resourceRef;
      const [composite, managed] = await Promise.all([
        compositeRef ? kube.get(compositeRef) : undefined,
        compositeRef
          ? Promise.all(
              ['Network', 'DatabaseInstance'].map(kind =>
                kube.list({
                  apiVersion: 'sim.crossplane.io/v1alpha1',
                  kind,
                  labelSelector: `crossplane.io/composite=${compositeRef.name}`,
                }),
              ),
            )
          : [],
      ]);
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          ref,
          phase: status.phase,
          conditions: claim?.status?.conditions ?? [],
          composite: composite?.metadata?.name,
          managed: managed.flat().map(m => m.metadata.name),
        }),
      );
    } catch (error) {
      res.statusCode = 500;
      res.end(String(error));
    }
  });
  return new Promise(resolve =>
    server.listen(0, '127.0.0.1', () => resolve(server)),
  );
}

function report(label, latencies) {
  const row = {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
  };
  process.stdout.write(
    `${label.padEnd(42)} ${String(latencies.length).padStart(
      6,
    )} requests  p50 ${row.p50.toFixed(1)} ms  p99 ${row.p99.toFixed(
      1,
    )} ms  max ${row.max.toFixed(1)} ms\n`,
  );
  return row;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'status-bench-'));
  const taskQueue = 'status-bench';
  progress(`starting the stack (provider delay ${PROVIDER_DELAY_MS} ms)`);
  const [cluster, temporal, workflowBundlePath] = await Promise.all([
    startTestCluster({ providerDelayMs: PROVIDER_DELAY_MS }),
    startTemporalDevServer({ logLevel: 'error' }),
    writeWorkflowBundle(path.join(dir, 'workflow-bundle.js')),
  ]);
  const clusterConfig = {
    ...cluster.clusterConfig,
    tenants: [
      { group: 'group:default/team-alpha', namespaces: ['team-alpha'] },
    ],
  };
  const worker = await spawnWorkerProcess({
    crossplaneTemporal: {
      temporal: {
        address: temporal.address,
        taskQueue,
        worker: { workflowBundlePath },
      },
      clusters: [clusterConfig],
    },
  });
  let connection;
  let clusters;
  let backend;
  let perRequest;
  try {
    connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection });
    // Started with the search attributes, as the plugin starts them once it registered them.
    const workflows = new ResourceWorkflowClient({
      client,
      taskQueue,
      requestTimeoutMs: 0,
      searchAttributes: await registerSearchAttributes(
        connection,
        'default',
        silentLogger,
      ),
    });
    clusters = createClusterClients({
      config: new ConfigReader({
        crossplaneTemporal: { clusters: [clusterConfig] },
      }),
      logger: silentLogger,
    });
    // The plugin in a Backstage backend, its worker off: the worker process runs the workflows.
    backend = await startTestBackend({
      features: [
        crossplaneTemporalPlugin,
        mockServices.rootConfig.factory({
          data: {
            crossplaneTemporal: {
              temporal: {
                address: temporal.address,
                taskQueue,
                worker: { enabled: false },
              },
              clusters: [clusterConfig],
            },
          },
        }),
      ],
    });
    const { port } = backend.server.address();

    const names = Array.from(
      { length: N },
      (_, i) => `status-${String(i).padStart(4, '0')}`,
    );
    progress(`provisioning ${N} resources through the ResourceWorkflowClient`);
    const provisioning = Date.now();
    const ready = readyInTheCluster(cluster.sim, names, 1_200_000);
    await pool(names, 50, name =>
      workflows.provision(
        provisionRequest(refFor(name), {
          requestId: `status-bench-${name}`,
          policy: { readyTimeoutSeconds: 600 },
        }),
      ),
    );
    await ready;
    progress(
      `${N} Ready in the cluster in ${(
        (Date.now() - provisioning) /
        1000
      ).toFixed(1)} s`,
    );
    // The routes answer from the cache: wait until it knows every resource (in any phase; how
    // fresh each answer is, it says itself).
    for (;;) {
      let known = 0;
      let cursor;
      do {
        const page = JSON.parse(
          await get(
            port,
            `/api/crossplane-temporal/resources?limit=500${
              cursor ? `&cursor=${cursor}` : ''
            }`,
          ),
        );
        known += page.items.length;
        cursor = page.nextCursor;
      } while (cursor);
      if (known >= N) break;
      progress(`${known}/${N} in the API's cache`);
      await new Promise(resolve => setTimeout(resolve, 5_000));
    }

    const cachedPaths = names.flatMap(name => {
      const base = `/api/crossplane-temporal/${resourceApiPath(refFor(name))}`;
      return [`${base}/phase`, base];
    });
    perRequest = await startPerRequestServer(clusters.get('local'), workflows);
    const perRequestPaths = names.map(name => `/status/${name}`);

    process.stdout.write(
      `\nstatus routes over ${N} resources, ${RATE} requests/s for ${SECONDS} s each (${
        os.cpus().length
      } cores)\n`,
    );
    // Warm both paths up, then measure each.
    await load(port, cachedPaths.slice(0, 100), 2);
    const cached = report(
      'from the caches (phase and resource routes)',
      await load(port, cachedPaths),
    );
    const direct = report(
      'asking the cluster and the workflow per request',
      await load(perRequest.address().port, perRequestPaths),
    );
    process.stdout.write(
      `cached is ${(direct.p50 / cached.p50).toFixed(1)}x faster at p50, ${(
        direct.p99 / cached.p99
      ).toFixed(1)}x at p99 (targets: cached p99 under 25 ms: ${
        cached.p99 < 25 ? 'met' : 'missed'
      }; at least 10x: ${direct.p99 / cached.p99 >= 10 ? 'met' : 'missed'})\n`,
    );
    // The same resource's workflow as the cache names it, to show both paths saw the same thing.
    const sample = JSON.parse(await get(port, `${cachedPaths[0]}`));
    progress(
      `sample: ${resourceWorkflowId(sample.ref)} ${sample.phase} (${apiGroupOf(
        sample.ref.apiVersion,
      )})`,
    );
  } finally {
    perRequest?.close();
    await backend?.stop();
    await clusters?.close();
    await connection?.close();
    await stopWorkerProcess(worker, 'SIGTERM');
    await temporal.stop();
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  error => {
    process.stderr.write(`status benchmark failed: ${error.stack ?? error}\n`);
    process.exit(1);
  },
);
