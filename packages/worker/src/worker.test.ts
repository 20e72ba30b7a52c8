/*
 * The standalone worker as it is deployed: a process of its own, started from this package's
 * entry point with an app-config file, running the resource workflows against Temporal and a
 * cluster, reporting itself ready on Backstage's health endpoint, and stopping cleanly on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
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
} from '@crossplane-temporal/plugin-crossplane-temporal-backend';
import { Client, Connection } from '@temporalio/client';

jest.setTimeout(120_000);

const BACKSTAGE = 'system:serviceaccount:crossplane-system:backstage';
const TASK_QUEUE = 'standalone-worker-test';

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

describe('the standalone worker', () => {
  let sim: KubeSim;
  let temporal: TemporalDevServer;
  let dir: string;
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    [sim, temporal] = await Promise.all([
      startKubeSim({ providerDelayMs: 20 }),
      startTemporalDevServer({ logLevel: 'error' }),
    ]);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'standalone-worker-'));
  });

  afterAll(async () => {
    if (worker?.exitCode === null) worker.kill('SIGKILL');
    await temporal?.stop();
    await sim?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs the resource workflows, reports itself ready, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, sim.tokenFor(BACKSTAGE));
    const configFile = path.join(dir, 'app-config.json');
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
    const output: string[] = [];
    worker = spawn(
      process.execPath,
      [
        '-r',
        require.resolve('@backstage/cli/config/nodeTransform.cjs'),
        require.resolve('./index'),
        '--config',
        configFile,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_ENV: 'development' },
      },
    );
    worker.stdout!.on('data', chunk => output.push(String(chunk)));
    worker.stderr!.on('data', chunk => output.push(String(chunk)));
    const exited = new Promise<number | null>(resolve =>
      worker!.once('exit', code => resolve(code)),
    );

    try {
      await answering(
        `http://localhost:${port}/.backstage/health/v1/readiness`,
        worker,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${output.join('')}`);
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

    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
