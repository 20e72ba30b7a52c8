/*
 * The change feed against the Temporal dev server's visibility: workflows that keep the
 * resource search attributes current are reported once per change, by one list call per poll,
 * and the workflow cache reads each changed workflow's status once. The attributes are
 * registered by the backend's own registration.
 */
import { mockServices } from '@backstage/backend-test-utils';
import {
  startTemporalDevServer,
  type TemporalDevServer,
} from '@crossplane-temporal/temporal-dev-server';
import type { ResourceRef } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import path from 'node:path';
import { registerSearchAttributes } from '../service/registerSearchAttributes';
import { ResourceWorkflowClient } from '../service/ResourceWorkflowClient';
import { phaseSignal } from './__testWorkflows__/phaseWorkflow';
import { VisibilityChangeFeed } from './VisibilityChangeFeed';
import { WorkflowStateCache } from './WorkflowStateCache';

jest.setTimeout(120_000);

const ref = (name: string): ResourceRef => ({
  cluster: 'local',
  apiVersion: 'database.example.org/v1alpha1',
  kind: 'PostgreSQLInstance',
  namespace: 'team-alpha',
  name,
});

describe('VisibilityChangeFeed', () => {
  let temporal: TemporalDevServer;
  let connection: Connection;
  let client: Client;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    temporal = await startTemporalDevServer({ logLevel: 'error' });
    connection = await Connection.connect({ address: temporal.address });
    client = new Client({ connection });
    worker = await Worker.create({
      connection: await NativeConnection.connect({ address: temporal.address }),
      taskQueue: 'change-feed',
      workflowsPath: path.join(__dirname, '__testWorkflows__/phaseWorkflow.ts'),
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
    await temporal?.stop();
  });

  it('registers the attributes, once', async () => {
    const logger = mockServices.logger.mock();
    expect(await registerSearchAttributes(connection, 'default', logger)).toBe(
      true,
    );
    expect(logger.info).toHaveBeenCalledWith(
      "registered the resource workflows' search attributes",
      expect.objectContaining({
        added: expect.stringContaining('CrossplaneUpdatedAt'),
      }),
    );
    const again = mockServices.logger.mock();
    expect(await registerSearchAttributes(connection, 'default', again)).toBe(
      true,
    );
    expect(again.info).not.toHaveBeenCalled();
  });

  it('reports each workflow that changed once, and the cache reads it once per change', async () => {
    const workflows = new ResourceWorkflowClient({
      client,
      taskQueue: 'change-feed',
      searchAttributes: true,
    });
    const start = (name: string) =>
      client.workflow.start('resourceWorkflow', {
        workflowId: `feed/${name}`,
        taskQueue: 'change-feed',
        args: [{ ref: ref(name) }],
      });
    const [a, b] = await Promise.all([start('a-db'), start('b-db')]);
    const feed = new VisibilityChangeFeed({
      list: query => workflows.list(query),
      logger: mockServices.logger.mock(),
      since: new Date(Date.now() - 60_000),
      overlapMs: 2_000,
    });
    // Nothing has changed since they started (they set no attributes at start here).
    expect(await feed.poll()).toEqual([]);

    await a.signal(phaseSignal, 'Validating');
    await b.signal(phaseSignal, 'Validating');
    const changed = async (expected: string[]) => {
      const deadline = Date.now() + 20_000;
      const seen: string[] = [];
      while (Date.now() < deadline) {
        seen.push(...(await feed.poll()));
        if (expected.every(id => seen.includes(id))) return seen;
        await new Promise(resolve => setTimeout(resolve, 100));
      }
      throw new Error(
        `waited 20 s for ${expected.join(', ')} to be reported; got ${seen.join(
          ', ',
        )}`,
      );
    };
    expect((await changed(['feed/a-db', 'feed/b-db'])).sort()).toEqual([
      'feed/a-db',
      'feed/b-db',
    ]);
    // Reported once: the same change is not reported by the next poll, though its time is
    // still inside the overlapping window.
    expect(await feed.poll()).toEqual([]);

    await a.signal(phaseSignal, 'Ready');
    expect(await changed(['feed/a-db'])).toEqual(['feed/a-db']);

    // The cache, fed by the feed, reads a changed workflow's status once per change.
    const statusOf = jest.fn((id: string) => workflows.statusOf(id));
    const cache = new WorkflowStateCache({
      source: { statusOf, list: query => workflows.list(query) },
      logger: mockServices.logger.mock(),
      feeds: [
        new VisibilityChangeFeed({
          list: query => workflows.list(query),
          logger: mockServices.logger.mock(),
          intervalMs: 200,
        }),
      ],
      followUp: { initialMs: 60_000, maxMs: 60_000 },
    });
    await cache.start();
    expect(cache.get('feed/a-db')?.status.phase).toBe('Ready');
    expect(cache.get('feed/b-db')?.status.phase).toBe('Validating');
    const readsAfterLoad = statusOf.mock.calls.length;
    await b.signal(phaseSignal, 'Ready');
    const deadline = Date.now() + 20_000;
    while (cache.get('feed/b-db')?.status.phase !== 'Ready') {
      if (Date.now() > deadline)
        throw new Error('waited 20 s for the cache to see b-db Ready');
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    await cache.whenIdle();
    expect(statusOf.mock.calls.slice(readsAfterLoad).map(([id]) => id)).toEqual(
      ['feed/b-db'],
    );
    await cache.stop();
    await Promise.all([
      a.signal(phaseSignal, 'Deleted'),
      b.signal(phaseSignal, 'Deleted'),
    ]);
  });
});
