/*
 * Watches past the watch cache, with the real @kubernetes/client-node: a watch from a
 * resourceVersion the simulator no longer has gets 410 Gone (reason Expired) and a client that
 * relists carries on; the client's informer keeps its cache right through a dropped watch whose
 * resumption has expired. The simulator keeps only 10 events per type here, so expiry is quick.
 */
import * as k8s from '@kubernetes/client-node';
import { startKubeSim, type KubeSim } from './startKubeSim';
import { clientsFor, waitFor } from './__testUtils__/clients';

jest.setTimeout(60_000);

const NAMESPACE = 'team-beta';
const PATH = `/api/v1/namespaces/${NAMESPACE}/configmaps`;

describe('watches past the watch cache', () => {
  let sim: KubeSim;

  beforeAll(async () => {
    sim = await startKubeSim({ watchCacheSize: 10, providerDelayMs: 20 });
  });

  afterAll(async () => {
    await sim?.stop();
  });

  /** Writes `count` config maps as an outside actor would, past the API's fault injection. */
  const createConfigMaps = async (prefix: string, count: number) => {
    for (let i = 0; i < count; i++)
      await sim.admin.applyManifest({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${prefix}-${i}`, namespace: NAMESPACE },
        data: { i: String(i) },
      });
  };

  it('answers a watch from an expired resourceVersion with 410 Expired; a relist resumes it', async () => {
    const { kc, core } = clientsFor(sim, 'kube-admin');
    const before = (
      await core.listNamespacedConfigMap({ namespace: NAMESPACE })
    ).metadata!.resourceVersion!;
    await createConfigMaps('expiring', 15);

    const expired = await waitFor(
      kc,
      PATH,
      type => type === 'ERROR',
      10_000,
      before,
    );
    expect(expired).toMatchObject({
      kind: 'Status',
      code: 410,
      reason: 'Expired',
      message: expect.stringContaining(`too old resource version: ${before}`),
    });

    // What a controller does next: list again, and watch from the list's version.
    const relisted = await core.listNamespacedConfigMap({
      namespace: NAMESPACE,
    });
    expect(relisted.items.map(c => c.metadata!.name)).toEqual(
      expect.arrayContaining(['expiring-0', 'expiring-14']),
    );
    const next = waitFor(
      kc,
      PATH,
      (type, o) => type === 'ADDED' && o.metadata.name === 'after-relist',
      10_000,
      relisted.metadata!.resourceVersion!,
    );
    await core.createNamespacedConfigMap({
      namespace: NAMESPACE,
      body: { metadata: { name: 'after-relist' } },
    });
    expect((await next).metadata.name).toBe('after-relist');
  });

  it("keeps an informer's cache right when its dropped watch resumes from an expired version", async () => {
    const { kc, core } = clientsFor(sim, 'kube-admin');
    let lists = 0;
    const informer = k8s.makeInformer(kc, PATH, () => {
      lists++;
      return core.listNamespacedConfigMap({ namespace: NAMESPACE });
    });
    const added = new Set<string>();
    const deleted = new Set<string>();
    const waiters = new Set<() => void>();
    const notify = () => waiters.forEach(w => w());
    /** Resolves once `done` holds after what the informer reported; fails after 30 s. */
    const until = (what: string, done: () => boolean) =>
      new Promise<void>((resolve, reject) => {
        const deadline = AbortSignal.timeout(30_000);
        const check = () => {
          if (!done() && !deadline.aborted) return;
          waiters.delete(check);
          deadline.removeEventListener('abort', check);
          if (done()) resolve();
          else reject(new Error(`the informer did not report ${what} in 30 s`));
        };
        waiters.add(check);
        deadline.addEventListener('abort', check);
        check();
      });

    informer.on('add', o => {
      added.add(o.metadata!.name!);
      notify();
    });
    informer.on('delete', o => {
      deleted.add(o.metadata!.name!);
      notify();
    });
    // As client-node asks of its users: restart the informer when its watch fails.
    informer.on('error', () => void informer.start());
    await informer.start();
    try {
      await core.createNamespacedConfigMap({
        namespace: NAMESPACE,
        body: { metadata: { name: 'informed' } },
      });
      await until('informed added', () => added.has('informed'));
      expect(lists).toBe(1);

      // The watch drops; its resumption is held until its version has expired.
      await sim.admin.setFaults({
        hold: true,
        methods: ['GET'],
        pathIncludes: ['watch=true'],
      });
      await sim.admin.dropWatches();
      await createConfigMaps('while-away', 12);
      await sim.admin.driftDelete({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: NAMESPACE,
        name: 'informed',
      });
      await sim.admin.setFaults({});

      await until(
        'informed deleted and while-away-11 added',
        () => deleted.has('informed') && added.has('while-away-11'),
      );
      // It had to list again: the version it resumed from was gone.
      expect(lists).toBe(2);
      const server = await core.listNamespacedConfigMap({
        namespace: NAMESPACE,
      });
      expect(
        informer
          .list(NAMESPACE)
          .map(o => o.metadata!.name)
          .sort(),
      ).toEqual(server.items.map(o => o.metadata!.name).sort());
    } finally {
      await informer.stop();
      await sim.admin.setFaults({});
    }
  });
});
