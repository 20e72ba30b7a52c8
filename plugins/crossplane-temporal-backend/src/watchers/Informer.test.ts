/*
 * The informer against the cluster simulator (which keeps 10 events per type here): a dropped
 * watch resumes from the last resourceVersion it saw, without listing again; a resumption the
 * server no longer has (410 Gone) lists again and reports what changed meanwhile, deletions too.
 */
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  startTestCluster,
  type TestCluster,
} from '../__testUtils__/testCluster';
import { createClusterClients } from '../cluster';
import type { ClusterWatching } from '../cluster/types';
import { Informer, type InformerEvent } from './Informer';

jest.setTimeout(60_000);

const NAMESPACE = 'team-alpha';
const CLAIMS = {
  apiVersion: 'database.example.org/v1alpha1',
  kind: 'PostgreSQLInstance',
  namespace: NAMESPACE,
};

describe('Informer', () => {
  let cluster: TestCluster;
  let clients: ReturnType<typeof createClusterClients>;
  let informer: Informer;
  const events: InformerEvent[] = [];
  const waiters = new Set<() => void>();
  let lists = 0;
  /** Where each watch started from, and the newest version reported by then. */
  const watchedFrom: Array<{ from?: string; reported: number }> = [];
  /** While set, a new watch waits for it: the informer is cut off from the cluster. */
  let partition: Promise<void> | undefined;

  const writeClaim = (name: string) =>
    cluster.sim.admin.applyManifest({
      apiVersion: CLAIMS.apiVersion,
      kind: CLAIMS.kind,
      metadata: { name, namespace: NAMESPACE },
      spec: { parameters: { size: 'small' } },
    });

  /** Resolves once the informer reported `type` for `name` (earlier reports count). */
  const reported = (type: InformerEvent['type'], name: string) =>
    new Promise<void>(resolve => {
      const check = () => {
        if (
          !events.some(e => e.type === type && e.object.metadata.name === name)
        )
          return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });

  beforeAll(async () => {
    cluster = await startTestCluster({ watchCacheSize: 10 });
    clients = createClusterClients({
      config: new ConfigReader({
        crossplaneTemporal: { clusters: [cluster.clusterConfig] },
      }),
      logger: mockServices.logger.mock(),
    });
    const cluster0 = clients.get('local');
    // The real client, counting lists and noting where each watch starts from.
    const watching: ClusterWatching = {
      listWithVersion(query, options) {
        lists += 1;
        return cluster0.listWithVersion(query, options);
      },
      async watch(query, onEvent, signal) {
        watchedFrom.push({
          from: query.resourceVersion,
          reported: Math.max(
            0,
            ...events.map(e => Number(e.object.metadata.resourceVersion)),
          ),
        });
        await partition;
        return cluster0.watch(query, onEvent, signal);
      },
    };
    await writeClaim('before-start');
    informer = new Informer(
      watching,
      CLAIMS,
      event => {
        events.push(event);
        for (const waiter of [...waiters]) waiter();
      },
      mockServices.logger.mock(),
    );
    await informer.start();
  });

  afterAll(async () => {
    await informer?.stop();
    await clients?.close();
    await cluster?.stop();
  });

  it('lists once, then reports changes from the watch', async () => {
    await reported('ADDED', 'before-start');
    await writeClaim('while-watching');
    await reported('ADDED', 'while-watching');
    expect(lists).toBe(1);
  });

  it('resumes a dropped watch from the last resourceVersion it saw, without listing', async () => {
    const watches = watchedFrom.length;
    const { dropped } = await cluster.sim.admin.dropWatches();
    expect(dropped).toBeGreaterThan(0);
    await writeClaim('after-drop');
    await reported('ADDED', 'after-drop');
    expect(watchedFrom.length).toBeGreaterThan(watches);
    // From where it left off: no older than anything it had reported.
    const resumed = watchedFrom[watches];
    expect(Number(resumed.from)).toBeGreaterThanOrEqual(resumed.reported);
    expect(resumed.reported).toBeGreaterThan(0);
    expect(lists).toBe(1);
  });

  it('lists again when the version to resume from has expired, and reports what it missed', async () => {
    let heal = () => {};
    partition = new Promise(resolve => {
      heal = resolve;
    });
    const watches = watchedFrom.length;
    await cluster.sim.admin.dropWatches();
    // Cut off: more changes than the server keeps, one of them a deletion.
    await cluster.sim.admin.driftDelete({
      ...CLAIMS,
      name: 'before-start',
    });
    for (let i = 0; i < 15; i++) await writeClaim(`missed-${i}`);
    partition = undefined;
    heal();

    await reported('DELETED', 'before-start');
    await reported('ADDED', 'missed-14');
    expect(watchedFrom.length).toBeGreaterThan(watches);
    expect(lists).toBe(2);
    for (let i = 0; i < 15; i++)
      expect(informer.get(NAMESPACE, `missed-${i}`)).toBeDefined();
    expect(informer.get(NAMESPACE, 'before-start')).toBeUndefined();
  });
});
