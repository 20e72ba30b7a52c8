/*
 * A scaffolder task that outlives its backend. This deployment's backend runs as its own process
 * on the repository's app-config (scaffolder.taskRecovery on) with SQLite files, the Temporal dev
 * server and the cluster simulator. alice runs a template whose step provisions a database and
 * waits for it to be Ready; the simulated provider is held, so the step is still waiting when the
 * backend is killed with SIGKILL. A new backend on the same database recovers the task; once it
 * waits again, the provider is let go and the task completes. The claim was created once, the API
 * was asked once and the workflow took one provision request.
 */
import {
  resourceApiPath,
  resourceWorkflowId,
  type ResourceRef,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { startKubeSim, type KubeSim } from '@crossplane-temporal/kube-sim';
import {
  startTemporalDevServer,
  type TemporalDevServer,
} from '@crossplane-temporal/temporal-dev-server';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import {
  startBackendProcess,
  type BackendProcess,
} from './__testUtils__/backendProcess';
import { waitFor } from './__testUtils__/waitFor';

// 86 s at a load of 8.5 on 2 cores: two backend starts (each loads the TypeScript sources and
// starts every plugin: about 30 s each), the catalog's first ingestion before alice can sign in
// (4 s), and the scaffolder's recovery (10 s after the second start: it takes a task up once its
// heartbeat is 30 s old, its default staleTimeout, looking every 10 s). The budget is the sum of
// the waits' own, so that a wait that runs out says what it waited for.
jest.setTimeout(1_200_000);

const repoRoot = path.resolve(__dirname, '../../..');
const TEMPLATE = 'recoverable-database';
const db: ResourceRef = {
  cluster: 'local',
  apiVersion: 'database.example.org/v1alpha1',
  kind: 'PostgreSQLInstance',
  namespace: 'team-alpha',
  name: 'recovered-db',
};
const ENTITY_REF =
  'resource:default/recovered-db.postgresqlinstance.team-alpha.local';

/** The template a person runs: provision and wait for Ready, its outputs in the task's output. */
const template = {
  apiVersion: 'scaffolder.backstage.io/v1beta3',
  kind: 'Template',
  metadata: {
    name: TEMPLATE,
    title: 'A database that survives a backend restart',
  },
  spec: {
    type: 'resource',
    owner: 'group:default/platform-team',
    parameters: [
      {
        title: 'Database',
        required: ['name'],
        properties: { name: { type: 'string' } },
      },
    ],
    steps: [
      {
        id: 'provision',
        name: 'Provision the database',
        action: 'crossplane:resource:provision',
        input: {
          cluster: db.cluster,
          namespace: db.namespace,
          apiVersion: db.apiVersion,
          kind: db.kind,
          name: '${{ parameters.name }}',
          component: 'component:default/checkout-service',
          spec: { parameters: { size: 'small' } },
        },
      },
    ],
    output: {
      workflowId: '${{ steps.provision.output.workflowId }}',
      requestId: '${{ steps.provision.output.requestId }}',
      phase: '${{ steps.provision.output.phase }}',
      links: [
        {
          title: 'Open the database',
          entityRef: '${{ steps.provision.output.entityRef }}',
        },
      ],
    },
  },
};

interface TaskEvent {
  id: number;
  type: 'log' | 'completion' | 'cancelled' | 'recovered';
  body: {
    message?: string;
    stepId?: string;
    status?: string;
    output?: Record<string, any>;
    error?: { message?: string };
  };
}

/** A write the simulator saw (not a read, not a dry run). */
const isWrite = (r: { verb: string; dryRun?: boolean }) =>
  !['get', 'list', 'watch'].includes(r.verb) && !r.dryRun;

describe('a scaffolder task resumed after its backend was killed', () => {
  let dir: string;
  let sim: KubeSim;
  let temporal: TemporalDevServer;
  let configFiles: string[];
  const backends: BackendProcess[] = [];

  /** Writes the config that puts a backend on `port` and on this test's servers and files. */
  function configFor(port: number, bundle: string, tokenFile: string) {
    const configFile = path.join(dir, `app-config.${port}.yaml`);
    const override = {
      backend: {
        baseUrl: `http://127.0.0.1:${port}`,
        listen: { host: '127.0.0.1', port },
        // A file per plugin, shared by both starts: the task, its checkpoints and its
        // initiator's credentials, the auth keys, the catalog, the API's audit trail.
        database: {
          client: 'better-sqlite3',
          connection: { directory: path.join(dir, 'sqlite') },
        },
      },
      catalog: {
        locations: [
          ...['catalog-info.yaml', 'examples/entities.yaml'].map(file => ({
            type: 'file',
            target: path.join(repoRoot, file),
          })),
          {
            type: 'file',
            target: path.join(repoRoot, 'examples/org.yaml'),
            rules: [{ allow: ['User', 'Group'] }],
          },
          { type: 'file', target: path.join(dir, 'template.yaml') },
        ],
      },
      crossplaneTemporal: {
        temporal: {
          address: temporal.address,
          worker: { workflowBundlePath: bundle },
        },
        clusters: [
          {
            name: 'local',
            url: sim.url,
            skipTLSVerify: true,
            auth: { type: 'serviceAccountToken', tokenFile },
            impersonate: true,
            tenants: [
              { group: 'group:default/team-alpha', namespaces: ['team-alpha'] },
              { group: 'group:default/team-beta', namespaces: ['team-beta'] },
              { group: 'group:default/platform-team', namespaces: ['*'] },
            ],
          },
        ],
      },
    };
    // JSON is YAML.
    fs.writeFileSync(configFile, JSON.stringify(override, null, 2));
    return configFile;
  }

  /** Bundles the workflows once, as a build does, so that neither start spends time on it. */
  async function bundleWorkflows(file: string) {
    const script = path.join(
      path.dirname(
        require.resolve(
          '@crossplane-temporal/plugin-crossplane-temporal-backend/package.json',
        ),
      ),
      'scripts/bundle-workflows.js',
    );
    const child = spawn(process.execPath, [script, file], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', chunk => {
      stderr += chunk;
    });
    // 7 s at a load of 8.5.
    const tooLong = setTimeout(() => child.kill('SIGKILL'), 180_000);
    const [code, signal] = await once(child, 'exit');
    clearTimeout(tooLong);
    if (signal === 'SIGKILL')
      throw new Error('bundling the workflows took more than 180 s');
    if (code !== 0)
      throw new Error(`bundling the workflows failed (${code}): ${stderr}`);
    return file;
  }

  async function startBackend(bundle: string, tokenFile: string) {
    const backend = await startBackendProcess({
      configFiles: port => [...configFiles, configFor(port, bundle, tokenFile)],
      logFile: path.join(dir, `backend-${backends.length + 1}.log`),
    });
    backends.push(backend);
    return backend;
  }

  async function call(
    backend: BackendProcess,
    token: string,
    route: string,
    body?: object,
  ): Promise<{ status: number; body: any }> {
    const res = await fetch(`${backend.url}${route}`, {
      method: body ? 'POST' : 'GET',
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: keep the text for the failure message.
    }
    return { status: res.status, body: parsed };
  }

  /** Signs alice in through the demo provider, once the catalog has ingested her. */
  async function signInAlice(backend: BackendProcess): Promise<string> {
    let last = '';
    return waitFor(
      'alice to be able to sign in (the catalog ingesting examples/org.yaml)',
      async () => {
        const res = await fetch(
          `${backend.url}/api/auth/demo/refresh?env=development`,
          {
            headers: {
              'x-demo-user': 'alice',
              'X-Requested-With': 'XMLHttpRequest',
            },
          },
        );
        const body = await res.json();
        if (res.status === 200) return body.backstageIdentity.token as string;
        // 404 while the catalog has not ingested her yet.
        if (res.status !== 404)
          throw new Error(
            `sign-in as alice failed: ${res.status} ${JSON.stringify(body)}`,
          );
        last = `${res.status} ${JSON.stringify(body)}`;
        return undefined;
      },
      { timeoutMs: 120_000, lastSeen: () => last },
    );
  }

  async function taskEvents(
    backend: BackendProcess,
    token: string,
    taskId: string,
  ): Promise<TaskEvent[]> {
    const res = await call(
      backend,
      token,
      `/api/scaffolder/v2/tasks/${taskId}/events`,
    );
    if (res.status !== 200)
      throw new Error(
        `reading task ${taskId}'s events: ${res.status} ${JSON.stringify(
          res.body,
        )}`,
      );
    return res.body;
  }

  /** A task's log as the failure messages show it (without the log's colours). */
  const describeEvents = (events: TaskEvent[]) =>
    stripVTControlCharacters(
      events
        .map(e => `${e.type}: ${e.body.message ?? JSON.stringify(e.body)}`)
        .join('\n'),
    );

  /** The request ID each run of the provision step said it sent. */
  const requestIdsLogged = (events: TaskEvent[]) =>
    events.flatMap(e => {
      const match =
        /requested on local \(workflow [^,]+, request ([^,)]+)/.exec(
          e.body.message ?? '',
        );
      return match ? [{ id: e.id, requestId: match[1] }] : [];
    });

  const isWaitingForReady = (e: TaskEvent) =>
    e.type === 'log' &&
    e.body.stepId === 'provision' &&
    /recovered-db: WaitingForReady \(/.test(e.body.message ?? '');

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'task-recovery-'));
    fs.writeFileSync(
      path.join(dir, 'template.yaml'),
      JSON.stringify(template, null, 2),
    );
    configFiles = ['app-config.yaml', 'app-config.development.yaml'].map(file =>
      path.join(repoRoot, file),
    );
    [sim, temporal] = await Promise.all([
      startKubeSim({ providerDelayMs: 50 }),
      startTemporalDevServer({ logLevel: 'error' }),
    ]);
    // Nothing becomes Ready until the test says so: the task is surely waiting when it is killed.
    await sim.admin.configureProvider({ held: true });
  });

  afterAll(async () => {
    for (const backend of backends) await backend.stop('SIGKILL');
    await temporal?.stop();
    await sim?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('provisions exactly once and completes with the links', async () => {
    const tokenFile = path.join(dir, 'token');
    fs.writeFileSync(
      tokenFile,
      sim.tokenFor('system:serviceaccount:crossplane-system:backstage'),
    );
    const bundle = await bundleWorkflows(path.join(dir, 'workflow-bundle.js'));

    // The first backend: alice starts the task, which provisions and then waits for Ready.
    const first = await startBackend(bundle, tokenFile);
    const token = await signInAlice(first);
    await waitFor(
      `the template ${TEMPLATE} in the catalog`,
      async () => {
        const res = await call(
          first,
          token,
          `/api/catalog/entities/by-name/template/default/${TEMPLATE}`,
        );
        return res.status === 200 ? true : undefined;
      },
      { timeoutMs: 120_000 },
    );
    const created = await call(first, token, '/api/scaffolder/v2/tasks', {
      templateRef: `template:default/${TEMPLATE}`,
      values: { name: db.name },
    });
    expect(created).toMatchObject({ status: 201 });
    const taskId: string = created.body.id;

    let seen: TaskEvent[] = [];
    const withLog = (backend: BackendProcess) =>
      `the task's log:\n${describeEvents(
        seen,
      )}\nthe end of the backend's log:\n${backend.logTail()}`;
    await waitFor(
      'the provision step to wait for Ready',
      async () => {
        seen = await taskEvents(first, token, taskId);
        const ended = seen.find(e => e.type === 'completion');
        if (ended)
          throw new Error(
            `the task ended before the kill:\n${describeEvents(seen)}`,
          );
        return seen.some(isWaitingForReady) ? true : undefined;
      },
      { timeoutMs: 120_000, lastSeen: () => withLog(first) },
    );
    const { records: beforeKill } = await sim.admin.audit({
      resource: 'postgresqlinstances',
      name: db.name,
    });
    expect(beforeKill.filter(r => r.code === 201 && !r.dryRun)).toHaveLength(1);

    // Killed mid-task: no shutdown, the task left `processing` in the database.
    await first.stop('SIGKILL');

    // The second backend, on the same database, takes the task up again.
    const second = await startBackend(bundle, tokenFile);
    let recoveredAt = 0;
    await waitFor(
      'the recovered task to wait for Ready again',
      async () => {
        seen = await taskEvents(second, token, taskId);
        const recovered = seen.filter(e => e.type === 'recovered');
        if (recovered.length === 0) return undefined;
        recoveredAt = recovered[0].id;
        const ended = seen.find(e => e.type === 'completion');
        if (ended)
          throw new Error(
            `the task ended while the provider was held:\n${describeEvents(
              seen,
            )}`,
          );
        return seen.some(e => e.id > recoveredAt && isWaitingForReady(e))
          ? true
          : undefined;
      },
      // The scaffolder looks for stale tasks every 10 s and takes those whose heartbeat is 30 s old.
      { timeoutMs: 180_000, lastSeen: () => withLog(second) },
    );

    // Crossplane may now report it Ready; the resumed step sees it and the task completes.
    await sim.admin.configureProvider({ held: false });
    const completion = await waitFor(
      'the recovered task to complete',
      async () => {
        seen = await taskEvents(second, token, taskId);
        return seen.find(e => e.type === 'completion');
      },
      { timeoutMs: 180_000, lastSeen: () => withLog(second) },
    );
    const task = await call(
      second,
      token,
      `/api/scaffolder/v2/tasks/${taskId}`,
    );
    expect({
      status: task.body.status,
      message: completion.body.message,
      error: completion.body.error?.message,
    }).toEqual({
      status: 'completed',
      message: 'Run completed with status: completed',
      error: undefined,
    });
    // Recovered once; the step ran again after the recovery, with the request ID of its
    // checkpoint, and saw the resource Ready.
    expect(seen.filter(e => e.type === 'recovered')).toHaveLength(1);
    const logged = requestIdsLogged(seen);
    expect(logged.filter(l => l.id < recoveredAt)).toHaveLength(1);
    expect(logged.filter(l => l.id > recoveredAt)).toHaveLength(1);
    expect(
      seen.some(
        e =>
          e.id > recoveredAt &&
          /recovered-db: Ready \(Crossplane reports it Ready\)/.test(
            e.body.message ?? '',
          ),
      ),
    ).toBe(true);

    // The outputs: the entity link and the workflow ID.
    const workflowId = resourceWorkflowId(db);
    const output = completion.body.output!;
    expect(output).toMatchObject({
      workflowId,
      phase: 'Ready',
      links: [{ title: 'Open the database', entityRef: ENTITY_REF }],
    });
    const requestId: string = output.requestId;
    expect(logged.map(l => l.requestId)).toEqual([requestId, requestId]);

    // The cluster: the claim created once, and never deleted or created again.
    const { records } = await sim.admin.audit({
      resource: 'postgresqlinstances',
      name: db.name,
    });
    const writes = records.filter(isWrite);
    expect(writes.filter(r => r.code === 201)).toHaveLength(1);
    expect(writes.filter(r => r.verb === 'delete')).toEqual([]);
    // Every write to it was made as alice.
    expect([...new Set(writes.map(r => r.impersonatedUser))]).toEqual([
      'alice',
    ]);

    // The API: asked to provision once (its audit trail, kept in the database across both
    // backends), and the workflow took one provision request, this task's.
    const at = (suffix: string) =>
      `/api/crossplane-temporal/${resourceApiPath(db)}${suffix}`;
    const history = await call(second, token, at('/history'));
    expect(history.status).toBe(200);
    const asked = history.body.items.filter(
      (i: any) => i.source === 'audit' && i.what === 'provision',
    );
    expect(asked).toEqual([
      expect.objectContaining({
        actor: 'user:default/alice',
        outcome: 'succeeded',
        requestId,
      }),
    ]);
    const steps = await call(second, token, at('/steps'));
    expect(steps.status).toBe(200);
    expect(steps.body.workflowId).toBe(workflowId);
    const requests = steps.body.items.filter((s: any) => s.step === 'request');
    expect(requests).toEqual([
      expect.objectContaining({
        requestId,
        message: 'provision requested by user:default/alice',
      }),
    ]);
    const phase = await call(second, token, at('/phase'));
    expect(phase.body.phase).toBe('Ready');
  });
});
