/*
 * The standalone worker as it is deployed: a process of its own, started from this package's
 * entry point with the repository's app-config.yaml and app-config.production.yaml (and a file
 * for the parts a deployment supplies), in a directory laid out like the built bundle, where it
 * loads the workflow bundle the build packs instead of bundling at start. It runs the resource
 * workflows against Temporal and a cluster, reports itself ready on Backstage's health endpoint,
 * stops cleanly on SIGTERM, and names the setting and the file when the bundle is not there.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  resourceWorkflowId,
  type ResourceRef,
  type ResourceStatus,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { startKubeSim, type KubeSim } from '@crossplane-temporal/kube-sim';
import {
  startTemporalDevServer,
  type TemporalDevServer,
} from '@crossplane-temporal/temporal-dev-server';
import {
  provisionSignal,
  statusQuery,
} from '@crossplane-temporal/plugin-crossplane-temporal-backend/testUtils';
import { Client, Connection } from '@temporalio/client';

jest.setTimeout(120_000);

const BACKSTAGE = 'system:serviceaccount:crossplane-system:backstage';
const TASK_QUEUE = 'standalone-worker-test';
const REPO = path.resolve(__dirname, '../../..');
const PLUGIN_DIR = path.dirname(
  require.resolve(
    '@crossplane-temporal/plugin-crossplane-temporal-backend/package.json',
  ),
);
/** Where the build packs the workflow bundle, relative to the root of the built bundle. */
const PACKED_BUNDLE =
  'plugins/crossplane-temporal-backend/dist/workflow-bundle.js';

function freePort(): Promise<number> {
  return new Promise(resolve => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `url` answers 200, or rejects when the process exits first. */
async function answering(url: string, worker: ChildProcess) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (worker.exitCode !== null)
      throw new Error(`the worker exited with ${worker.exitCode}`);
    const response = await fetch(url).catch(() => undefined);
    if (response?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url} never answered 200`);
    await new Promise(resolve => setTimeout(resolve, 200));
  }
}

interface WorkerProcess {
  process: ChildProcess;
  port: number;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once its output contains `text`; rejects if it exits first. */
  printed(text: string): Promise<void>;
  exited: Promise<number | null>;
}

describe('the standalone worker', () => {
  let sim: KubeSim;
  let temporal: TemporalDevServer;
  let dir: string;
  /** A directory laid out like the extracted dist/bundle.tar.gz, with the packed bundle in it. */
  let image: string;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'standalone-worker-'));
    image = imageDir('image');
    [sim, temporal] = await Promise.all([
      startKubeSim({ providerDelayMs: 20 }),
      startTemporalDevServer({ logLevel: 'error' }),
      // The script the plugin's prepack runs when the build packs it.
      promisify(execFile)(process.execPath, [
        path.join(PLUGIN_DIR, 'scripts/bundle-workflows.js'),
        path.join(image, PACKED_BUNDLE),
      ]),
    ]);
  });

  /** An empty root like the bundle's, with the repository's package.json at the top. */
  function imageDir(name: string) {
    const root = path.join(dir, name);
    fs.mkdirSync(root);
    fs.copyFileSync(
      path.join(REPO, 'package.json'),
      path.join(root, 'package.json'),
    );
    return root;
  }

  afterAll(async () => {
    for (const worker of workers)
      if (worker.exitCode === null && worker.signalCode === null)
        worker.kill('SIGKILL');
    await temporal?.stop();
    await sim?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Starts the entry point in `cwd` as production runs it, with app-config.yaml and
   * app-config.production.yaml, then a file with what a deployment supplies: where Temporal and
   * the cluster are, its port and a database.
   */
  async function startWorker(cwd: string): Promise<WorkerProcess> {
    const port = await freePort();
    const tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, sim.tokenFor(BACKSTAGE));
    const configFile = path.join(dir, `app-config.deployment-${port}.json`);
    fs.writeFileSync(
      configFile,
      JSON.stringify({
        backend: {
          baseUrl: `http://localhost:${port}`,
          listen: { port },
          database: { client: 'better-sqlite3', connection: ':memory:' },
        },
        crossplaneTemporal: {
          temporal: { address: temporal.address, taskQueue: TASK_QUEUE },
          clusters: [
            {
              name: 'local',
              url: sim.url,
              skipTLSVerify: true,
              auth: { type: 'serviceAccountToken', tokenFile },
            },
          ],
        },
      }),
    );
    const child = spawn(
      process.execPath,
      [
        '-r',
        require.resolve('@backstage/cli/config/nodeTransform.cjs'),
        require.resolve('./index'),
        ...['app-config.yaml', 'app-config.production.yaml'].flatMap(file => [
          '--config',
          path.join(REPO, file),
        ]),
        '--config',
        configFile,
      ],
      {
        cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          NODE_ENV: 'production',
          BACKEND_SECRET: 'standalone-worker-test',
        },
      },
    );
    workers.push(child);
    const chunks: string[] = [];
    const waiting = new Set<() => void>();
    const collect = (chunk: Buffer) => {
      chunks.push(String(chunk));
      for (const check of waiting) check();
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const exited = new Promise<number | null>(resolve =>
      child.once('exit', code => resolve(code)),
    );
    const output = () => chunks.join('');
    return {
      process: child,
      port,
      output,
      exited,
      printed: text =>
        new Promise((resolve, reject) => {
          const check = () => {
            if (!output().includes(text)) return;
            waiting.delete(check);
            resolve();
          };
          waiting.add(check);
          check();
          exited.then(code => {
            waiting.delete(check);
            reject(
              new Error(
                `the worker exited with ${code} before printing ${text}\n${output()}`,
              ),
            );
          });
        }),
    };
  }

  it('runs the resource workflows from the bundle the build packs, reports itself ready, and stops cleanly on SIGTERM', async () => {
    const worker = await startWorker(image);
    try {
      await answering(
        `http://localhost:${worker.port}/.backstage/health/v1/readiness`,
        worker.process,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${worker.output()}`);
    }

    const connection = await Connection.connect({ address: temporal.address });
    try {
      const client = new Client({ connection });
      const ref: ResourceRef = {
        cluster: 'local',
        apiVersion: 'database.example.org/v1alpha1',
        kind: 'PostgreSQLInstance',
        namespace: 'team-alpha',
        name: 'standalone-db',
      };
      const handle = await client.workflow.signalWithStart('resourceWorkflow', {
        workflowId: resourceWorkflowId(ref),
        taskQueue: TASK_QUEUE,
        args: [{ ref }],
        signal: provisionSignal,
        signalArgs: [
          {
            requestId: 'standalone-1',
            requestedBy: {
              userEntityRef: 'user:default/alice',
              ownershipEntityRefs: ['group:default/team-alpha'],
              kubernetes: { user: 'alice', groups: ['team-alpha'] },
            },
            ref,
            spec: { parameters: { size: 'small' } },
            owner: 'group:default/team-alpha',
            policy: { drift: 'notify', readyTimeoutSeconds: 60 },
          },
        ],
      });
      const deadline = Date.now() + 60_000;
      let status: ResourceStatus = await handle.query(statusQuery);
      while (status.phase !== 'Ready' && Date.now() < deadline) {
        await new Promise(resolve => setTimeout(resolve, 100));
        status = await handle.query(statusQuery);
      }
      expect(status.phase).toBe('Ready');
      expect(status.outputs?.composed.length).toBeGreaterThan(0);
    } finally {
      await connection.close();
    }

    worker.process.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });

  it('names the setting and the file it looked for when the bundle was not built', async () => {
    // The same configuration, in a root where the build packed no bundle.
    const unbuilt = imageDir('unbuilt');
    const worker = await startWorker(unbuilt);
    await worker.printed(
      `crossplaneTemporal.temporal.worker.workflowBundlePath: cannot read the workflow bundle ${path.join(
        unbuilt,
        PACKED_BUNDLE,
      )}: ENOENT`,
    );
    worker.process.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });
});
