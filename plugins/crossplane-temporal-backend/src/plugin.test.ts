/*
 * The plugin inside a real Backstage backend: its embedded worker starts with the backend, runs
 * the resource workflows, keeps the backend serving while Temporal is unreachable or the worker
 * cannot start (each try letting go of what it set up), and stops with it; app-config can turn
 * it off. The standalone worker (packages/worker) runs the same worker the same way.
 */
import {
  coreServices,
  createBackendPlugin,
  createServiceFactory,
  type BackendFeature,
  type ServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import type { JsonObject } from '@backstage/types';
import type { ResourceStatus } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import {
  startTemporalDevServer,
  type TemporalDevServer,
} from '@crossplane-temporal/temporal-dev-server';
import { Client, Connection } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startConnectionCountingProxy } from './__testUtils__/connectionCountingProxy';
import { recordingLogger } from './__testUtils__/recordingLogger';
import { statusWhen } from './__testUtils__/resourceWorkflowHarness';
import { writeWorkflowBundle } from './__testUtils__/spawnWorkerProcess';
import {
  startTestCluster,
  type TestCluster,
} from './__testUtils__/testCluster';
import { ResourceWorkflowClient } from './service/ResourceWorkflowClient';
import { crossplaneTemporalPlugin } from './plugin';
import { runEmbeddedWorker } from './worker/embeddedWorker';

jest.setTimeout(120_000);

describe('the plugin and its embedded worker', () => {
  let cluster: TestCluster;
  let temporal: TemporalDevServer;
  let dir: string;
  let workflowBundlePath: string;

  beforeAll(async () => {
    // Production workers load a pre-built workflow bundle; build one as the plugin's prepack does.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workflow-bundle-'));
    workflowBundlePath = await writeWorkflowBundle(
      path.join(dir, 'workflow-bundle.js'),
    );
    [cluster, temporal] = await Promise.all([
      startTestCluster(),
      startTemporalDevServer({ logLevel: 'error' }),
    ]);
  });

  afterAll(async () => {
    await temporal?.stop();
    await cluster?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The plugin's embedded worker alone, run by the function `plugin.ts` runs it with: the worker
   * tests count connections to Temporal and stop every worker of the process, which the API's own
   * Temporal client beside it would blur. The first test starts the whole plugin.
   */
  const embeddedWorkerOnly = createBackendPlugin({
    pluginId: 'crossplane-temporal',
    register(env) {
      env.registerInit({
        deps: {
          config: coreServices.rootConfig,
          logger: coreServices.logger,
          lifecycle: coreServices.lifecycle,
        },
        async init(deps) {
          runEmbeddedWorker(deps);
        },
      });
    },
  });

  /** A backend with `plugin` (the worker alone unless told), `temporalConfig` its Temporal settings. */
  const startBackendWith = (
    temporalConfig: JsonObject,
    logger: { factory: ServiceFactory } = mockServices.logger.mock(),
    plugin: BackendFeature = embeddedWorkerOnly,
  ) =>
    startTestBackend({
      features: [
        plugin,
        logger.factory,
        // The API the whole plugin serves beside its worker reads the catalog and publishes signals.
        catalogServiceMock.factory(),
        createServiceFactory({
          service: signalsServiceRef,
          deps: {},
          factory: () => ({ publish: async () => {} }),
        }),
        mockServices.rootConfig.factory({
          data: {
            crossplaneTemporal: {
              temporal: temporalConfig,
              clusters: [cluster.clusterConfig],
            },
          },
        }),
      ],
    });

  /** A backend with the plugin's worker on `taskQueue`, reading the pre-built bundle. */
  const startBackend = (
    taskQueue: string,
    logger?: { factory: ServiceFactory },
    plugin?: BackendFeature,
  ) =>
    startBackendWith(
      {
        address: temporal.address,
        taskQueue,
        worker: { workflowBundlePath },
      },
      logger,
      plugin,
    );

  /** Provisions a v2 namespaced composite through the worker on `taskQueue`; its final status. */
  async function provisionQueue(
    taskQueue: string,
    name: string,
  ): Promise<ResourceStatus> {
    const connection = await Connection.connect({ address: temporal.address });
    try {
      const client = new Client({ connection });
      const ref = {
        cluster: 'local',
        apiVersion: 'messaging.example.org/v1alpha1',
        kind: 'Queue',
        namespace: 'team-beta',
        name,
      };
      const { workflowId } = await new ResourceWorkflowClient({
        client,
        taskQueue,
        requestTimeoutMs: 0,
      }).provision({
        requestId: `plugin-test-${name}`,
        requestedBy: {
          userEntityRef: 'user:default/bob',
          ownershipEntityRefs: ['group:default/team-beta'],
          kubernetes: { user: 'bob', groups: ['team-beta'] },
        },
        ref,
        spec: { parameters: { fifo: true } },
        owner: 'group:default/team-beta',
        policy: { drift: 'notify', readyTimeoutSeconds: 60 },
      });
      return await statusWhen(
        client.workflow.getHandle(workflowId),
        s => s.phase === 'Ready',
        60_000,
      );
    } finally {
      await connection.close();
    }
  }

  it('runs the resource workflows from a pre-built bundle for as long as the backend runs', async () => {
    const backend = await startBackend(
      'plugin-test',
      undefined,
      crossplaneTemporalPlugin,
    );
    try {
      // A v2 namespaced composite, provisioned by the worker the backend started.
      const status = await provisionQueue('plugin-test', 'invoices');
      expect(status.phase).toBe('Ready');
      expect(status.outputs?.composed.map(c => c.kind)).toEqual([
        'QueueInstance',
      ]);
    } finally {
      await backend.stop();
    }
  });

  it('leaves process signals to the backend: one the SDK would stop its workers on changes nothing', async () => {
    const logger = mockServices.logger.mock();
    const backend = await startBackend('plugin-signals', logger);
    try {
      // Heap-snapshot and profiling tools send SIGUSR2; the backend's lifecycle owns SIGTERM.
      process.emit('SIGUSR2' as any);
      const status = await provisionQueue('plugin-signals', 'receipts');
      expect(status.phase).toBe('Ready');
      expect(logger.error).not.toHaveBeenCalled();
      expect(logger.warn).not.toHaveBeenCalledWith(
        'the resource worker stopped; restarting it',
        expect.anything(),
      );
    } finally {
      await backend.stop();
    }
  });

  it('starts the worker again when it stops without the backend stopping', async () => {
    const logger = mockServices.logger.mock();
    const backend = await startBackend('plugin-restart', logger);
    try {
      await expect(provisionQueue('plugin-restart', 'orders')).resolves.toEqual(
        expect.objectContaining({ phase: 'Ready' }),
      );
      // The SDK's own way of stopping every worker of the process (what its signal handler ran).
      (Runtime.instance() as any).startShutdownSequence();
      const status = await provisionQueue('plugin-restart', 'refunds');
      expect(status.phase).toBe('Ready');
      expect(logger.error).toHaveBeenCalledWith(
        'the Temporal worker stopped without being asked to; its workflows wait until a worker polls again',
        { taskQueue: 'plugin-restart' },
      );
      expect(logger.warn).toHaveBeenCalledWith(
        'the resource worker stopped; restarting it',
        { failures: 1 },
      );
    } finally {
      await backend.stop();
    }
  });

  it('starts while Temporal is unreachable and stops promptly', async () => {
    const logger = mockServices.logger.mock();
    const backend = await startBackendWith({ address: '127.0.0.1:1' }, logger);
    await backend.stop();
    expect(logger.warn).toHaveBeenCalledWith(
      'could not start the resource worker; retrying',
      expect.objectContaining({ failures: 1 }),
    );
  });

  it('lets go of what each try set up while the worker cannot start', async () => {
    const proxy = await startConnectionCountingProxy(temporal.address);
    const logger = recordingLogger();
    const backend = await startBackendWith(
      {
        address: proxy.address,
        taskQueue: 'plugin-cannot-start',
        // Found missing once connected to Temporal and watching the cluster.
        worker: { workflowBundlePath: path.join(dir, 'missing.js') },
      },
      logger,
    );
    try {
      const failedTry = (failures: number) =>
        logger.logged(
          l =>
            l.message === 'could not start the resource worker; retrying' &&
            l.fields.failures === failures,
        );
      await failedTry(1);
      await proxy.noneOpen();
      const connectedOnFirstTry = proxy.accepted;
      expect(connectedOnFirstTry).toBeGreaterThan(0);
      // The second try (two seconds later) connects again, and lets go again.
      await failedTry(2);
      await proxy.noneOpen();
      expect(proxy.accepted).toBeGreaterThan(connectedOnFirstTry);
    } finally {
      await backend.stop();
      await proxy.stop();
    }
  });

  it('runs no worker when app-config turns the embedded worker off', async () => {
    const proxy = await startConnectionCountingProxy(temporal.address);
    const logger = recordingLogger();
    const backend = await startBackendWith(
      {
        address: proxy.address,
        worker: { enabled: false, workflowBundlePath },
      },
      logger,
    );
    try {
      await logger.logged(
        l =>
          l.message ===
          'embedded worker disabled (crossplaneTemporal.temporal.worker.enabled: false)',
      );
    } finally {
      await backend.stop();
      await proxy.stop();
    }
    // With the worker on, the same backend connects at once (the test above counts it); this one
    // had made no connection by the time it stopped.
    expect(proxy.accepted).toBe(0);
    expect(logger.lines.filter(l => l.level === 'warn')).toEqual([]);
  });
});
