/*
 * The simulator's controls, with the real @kubernetes/client-node: `crossplane.io/paused` stops
 * the simulated controllers for an object until it is lifted; a held provider acts on nothing
 * until it is released; faults hold the requests they match until they change; the state file
 * carries objects across a restart; watches that ask for bookmarks get one with the current
 * resourceVersion.
 */
import * as k8s from '@kubernetes/client-node';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startKubeSim, type KubeSim } from './startKubeSim';
import { clientsFor, isReady, readyAt, waitFor } from './__testUtils__/clients';

jest.setTimeout(60_000);

const CLAIMS =
  '/apis/database.example.org/v1alpha1/namespaces/team-alpha/postgresqlinstances';

const claim = (name: string, size = 'small') => ({
  apiVersion: 'database.example.org/v1alpha1',
  kind: 'PostgreSQLInstance',
  metadata: { name, namespace: 'team-alpha' },
  spec: {
    parameters: { size },
    writeConnectionSecretToRef: { name: `${name}-conn` },
  },
});

const apply = (api: k8s.KubernetesObjectApi, object: any) =>
  api.patch(
    object,
    undefined,
    undefined,
    'test',
    true,
    k8s.PatchStrategy.ServerSideApply,
  );

/** Provisions a claim and resolves with it once Ready. */
async function provisioned(sim: KubeSim, name: string) {
  const alice = clientsFor(sim, 'alice');
  await apply(alice.objects, claim(name));
  return readyAt(alice.kc, CLAIMS, name);
}

describe("the simulator's controls", () => {
  let sim: KubeSim;

  beforeAll(async () => {
    sim = await startKubeSim({ providerDelayMs: 20 });
  });

  afterAll(async () => {
    await sim?.stop();
  });

  it('leaves a paused composite and its managed resources alone until the annotation goes', async () => {
    const ready = await provisioned(sim, 'paused-db');
    const admin = clientsFor(sim, 'kube-admin');
    const compositeRef = {
      apiVersion: 'database.example.org/v1alpha1',
      kind: 'XPostgreSQLInstance',
      metadata: { name: ready.spec.resourceRef.name },
    };
    const instanceClass = async () => {
      const composite: any = await admin.objects.read(compositeRef as any);
      const ref = composite.spec.resourceRefs.find(
        (r: any) => r.kind === 'DatabaseInstance',
      );
      const instance: any = await admin.objects.read({
        ...ref,
        metadata: { name: ref.name },
      });
      return instance.spec.forProvider.instanceClass;
    };
    expect(await instanceClass()).toBe('db.t3.small');

    const composite = {
      apiVersion: compositeRef.apiVersion,
      kind: compositeRef.kind,
      name: compositeRef.metadata.name,
    };
    await sim.admin.driftPatch(
      composite,
      { metadata: { annotations: { 'crossplane.io/paused': 'true' } } },
      'platform-operator',
    );
    await apply(clientsFor(sim, 'alice').objects, claim('paused-db', 'large'));
    // The simulated controllers work through changes in order: once a claim applied after this
    // one is Ready, the paused composite has had its chance to act, and did not.
    await provisioned(sim, 'after-pause-db');
    expect(await instanceClass()).toBe('db.t3.small');

    await sim.admin.driftPatch(
      composite,
      { metadata: { annotations: { 'crossplane.io/paused': null } } },
      'platform-operator',
    );
    await waitFor(
      admin.kc,
      '/apis/sim.crossplane.io/v1alpha1/databaseinstances',
      (_type, o) =>
        o.metadata.labels?.['crossplane.io/composite'] ===
          compositeRef.metadata.name &&
        o.spec.forProvider.instanceClass === 'db.r5.2xlarge',
    );
    expect(await instanceClass()).toBe('db.r5.2xlarge');
  });

  it('sends a bookmark with the current resourceVersion to watches that ask for one', async () => {
    const { kc, core } = clientsFor(sim, 'kube-admin');
    const current = (
      await core.listNamespacedConfigMap({ namespace: 'default' })
    ).metadata!.resourceVersion!;
    let controller: AbortController | undefined;
    const bookmark = await new Promise<any>((resolve, reject) => {
      new k8s.Watch(kc)
        .watch(
          '/api/v1/namespaces/default/configmaps',
          { allowWatchBookmarks: true, resourceVersion: current },
          (type, object) => type === 'BOOKMARK' && resolve(object),
          error => error && error.name !== 'AbortError' && reject(error),
        )
        .then(c => {
          controller = c;
        }, reject);
    });
    controller?.abort();
    expect(bookmark).toMatchObject({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { resourceVersion: expect.any(String) },
    });
    expect(Number(bookmark.metadata.resourceVersion)).toBeGreaterThanOrEqual(
      Number(current),
    );
  });

  it('holds the simulated provider: it acts on nothing, then on everything it held', async () => {
    const alice = clientsFor(sim, 'alice');
    const admin = clientsFor(sim, 'kube-admin');
    const INSTANCES = '/apis/sim.crossplane.io/v1alpha1/databaseinstances';
    expect(await sim.admin.configureProvider({ held: true })).toMatchObject({
      held: true,
    });
    try {
      await apply(alice.objects, claim('held-db'));
      // Composed while the provider is held: the managed resource exists, and nothing acted on it.
      const composed = await waitFor(admin.kc, INSTANCES, (_type, o) =>
        o.metadata.name.startsWith('held-db-'),
      );
      const beforeRelease = await admin.custom.listClusterCustomObject({
        group: 'sim.crossplane.io',
        version: 'v1alpha1',
        plural: 'databaseinstances',
      });
      const instance = beforeRelease.items.find(
        (o: any) => o.metadata.name === composed.metadata.name,
      );
      expect(instance.status?.conditions ?? []).toEqual([]);
      await sim.admin.configureProvider({ held: false });
      // What it held is acted on after the release: its first conditions come after it.
      const synced = await waitFor(
        admin.kc,
        INSTANCES,
        (_type, o) => o.metadata.name === composed.metadata.name && isReady(o),
        30_000,
        beforeRelease.metadata.resourceVersion,
      );
      expect(Number(synced.metadata.resourceVersion)).toBeGreaterThan(
        Number(beforeRelease.metadata.resourceVersion),
      );
      await readyAt(alice.kc, CLAIMS, 'held-db');
    } finally {
      await sim.admin.configureProvider({ held: false });
    }
  });

  it('holds the requests a fault matches until the faults are set again, serving the others meanwhile', async () => {
    const { core } = clientsFor(sim, 'kube-admin');
    await sim.admin.setFaults({
      hold: true,
      methods: ['GET'],
      pathIncludes: ['/configmaps'],
    });
    let answered = false;
    const held = core
      .listNamespacedConfigMap({ namespace: 'default' })
      .finally(() => {
        answered = true;
      });
    try {
      // Written and read back meanwhile: only what the hold matches waits.
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'while-held' } },
      });
      await core.readNamespace({ name: 'default' });
      expect(answered).toBe(false);
    } finally {
      await sim.admin.setFaults({});
    }
    expect((await held).items.map(c => c.metadata!.name)).toContain(
      'while-held',
    );
  });
});

describe('the state file', () => {
  it('brings back claims, composites, managed resources and secrets after a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-sim-state-'));
    const stateFile = path.join(dir, 'state.json');
    try {
      const first = await startKubeSim({ providerDelayMs: 20, stateFile });
      const ready = await provisioned(first, 'durable-db');
      await first.stop();

      const second = await startKubeSim({ providerDelayMs: 20, stateFile });
      try {
        const alice = clientsFor(second, 'alice');
        const restored: any = await alice.objects.read(
          claim('durable-db') as any,
        );
        expect(restored.metadata.uid).toBe(ready.metadata.uid);
        expect(isReady(restored)).toBe(true);
        const composite: any = await clientsFor(second, 'pat').objects.read({
          apiVersion: 'database.example.org/v1alpha1',
          kind: 'XPostgreSQLInstance',
          metadata: { name: ready.spec.resourceRef.name },
        } as any);
        expect(composite.spec.resourceRefs).toHaveLength(2);
        const secret = await alice.core.readNamespacedSecret({
          namespace: 'team-alpha',
          name: 'durable-db-conn',
        });
        expect(Object.keys(secret.data ?? {})).toContain('password');
        // And it keeps working: a new claim on the restored cluster becomes Ready.
        expect(isReady(await provisioned(second, 'after-restart-db'))).toBe(
          true,
        );
      } finally {
        await second.stop();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
