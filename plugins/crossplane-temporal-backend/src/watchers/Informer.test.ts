/*
 * The informer against the cluster simulator (which keeps 10 events per type here): a dropped
 * watch resumes from the last resourceVersion it saw, without listing again; a resumption the
 * server no longer has (410 Gone) lists again and reports what changed meanwhile, deletions too.
 * Each test watches with an informer of its own.
 */
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { notifiedWaits } from '../__testUtils__/notifiedWaits';
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
  let informer: Informer | undefined;

  const writeClaim = (name: string) =>
    cluster.sim.admin.applyManifest({
      apiVersion: CLAIMS.apiVersion,
      kind: CLAIMS.kind,
      metadata: { name, namespace: NAMESPACE },
      spec: { parameters: { size: 'small' } },
    });

  /**
   * Starts an informer of the test's own on the real client, counting its lists and noting where
   * each of its watches starts from; `partition()` cuts it off from the cluster (a new watch waits)
   * until `heal()`.
   */
  async function startInformer() {
    const cluster0 = clients.get('local');
    const events: InformerEvent[] = [];
    const waits = notifiedWaits();
    const seen = {
      lists: 0,
      /** Where each watch started from, and the newest version reported by then. */
      watchedFrom: [] as Array<{ from?: string; reported: number }>,
    };
    let cutOff: Promise<void> | undefined;
    let heal = () => {};
    const watching: ClusterWatching = {
      listWithVersion(query, options) {
        seen.lists += 1;
        return cluster0.listWithVersion(query, options);
      },
      async watch(query, onEvent, signal) {
        seen.watchedFrom.push({
          from: query.resourceVersion,
          reported: Math.max(
            0,
            ...events.map(e => Number(e.object.metadata.resourceVersion)),
          ),
        });
        await cutOff;
        return cluster0.watch(query, onEvent, signal);
      },
    };
    informer = new Informer(
      watching,
      CLAIMS,
      event => {
        events.push(event);
        waits.notify();
      },
      mockServices.logger.mock(),
    );
    await informer.start();

    /** Resolves once the informer reported `type` for `name` (earlier reports count). */
    const reported = (type: InformerEvent['type'], name: string) =>
      waits.until(`the informer to report ${type} ${name}`, () =>
        events.find(e => e.type === type && e.object.metadata.name === name),
      );
    const partition = () => {
      cutOff = new Promise(resolve => {
        heal = () => {
          cutOff = undefined;
          resolve();
        };
      });
    };
    return { informer, seen, reported, partition, heal: () => heal() };
  }

  beforeAll(async () => {
    cluster = await startTestCluster({ watchCacheSize: 10 });
    clients = createClusterClients({
      config: new ConfigReader({
        crossplaneTemporal: { clusters: [cluster.clusterConfig] },
      }),
      logger: mockServices.logger.mock(),
    });
  });

  afterEach(async () => {
    await informer?.stop();
    informer = undefined;
  });

  afterAll(async () => {
    await clients?.close();
    await cluster?.stop();
  });

  it('lists once, then reports changes from the watch', async () => {
    await writeClaim('listed-first');
    const { seen, reported } = await startInformer();
    await reported('ADDED', 'listed-first');
    await writeClaim('while-watching');
    await reported('ADDED', 'while-watching');
    expect(seen.lists).toBe(1);
  });

  it('resumes a dropped watch from the last resourceVersion it saw, without listing', async () => {
    const { seen, reported } = await startInformer();
    // Reported through the watch, which is up, then.
    await writeClaim('before-drop');
    await reported('ADDED', 'before-drop');
    const watches = seen.watchedFrom.length;
    const { dropped } = await cluster.sim.admin.dropWatches();
    expect(dropped).toBeGreaterThan(0);
    await writeClaim('after-drop');
    await reported('ADDED', 'after-drop');
    expect(seen.watchedFrom.length).toBeGreaterThan(watches);
    // From where it left off: no older than anything it had reported.
    const resumed = seen.watchedFrom[watches];
    expect(Number(resumed.from)).toBeGreaterThanOrEqual(resumed.reported);
    expect(resumed.reported).toBeGreaterThan(0);
    expect(seen.lists).toBe(1);
  });

  it('lists again when the version to resume from has expired, and reports what it missed', async () => {
    const {
      informer: own,
      seen,
      reported,
      partition,
      heal,
    } = await startInformer();
    // Reported through the watch, which is up, then.
    await writeClaim('deleted-while-away');
    await reported('ADDED', 'deleted-while-away');
    partition();
    const watches = seen.watchedFrom.length;
    const { dropped } = await cluster.sim.admin.dropWatches();
    expect(dropped).toBeGreaterThan(0);
    // Cut off: more changes than the server keeps, one of them a deletion.
    await cluster.sim.admin.driftDelete({
      ...CLAIMS,
      name: 'deleted-while-away',
    });
    for (let i = 0; i < 15; i++) await writeClaim(`missed-${i}`);
    heal();

    await reported('DELETED', 'deleted-while-away');
    await reported('ADDED', 'missed-14');
    expect(seen.watchedFrom.length).toBeGreaterThan(watches);
    expect(seen.lists).toBe(2);
    for (let i = 0; i < 15; i++)
      expect(own.get(NAMESPACE, `missed-${i}`)).toBeDefined();
    expect(own.get(NAMESPACE, 'deleted-while-away')).toBeUndefined();
  });
});
