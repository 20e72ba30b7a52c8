/*
 * The simulator driven by the real @kubernetes/client-node: the API semantics a controller
 * relies on, tenancy through RBAC and impersonation, and Crossplane's claim lifecycle.
 */
import * as k8s from '@kubernetes/client-node';
import type { FailureRule } from './crossplane/SimulatedProvider';
import { startKubeSim, type KubeSim } from './startKubeSim';
import {
  clientsFor,
  expectStatus,
  readyAt,
  waitFor,
} from './__testUtils__/clients';

const claim = (
  name: string,
  namespace: string,
  parameters: Record<string, unknown> = { size: 'small' },
) => ({
  apiVersion: 'database.example.org/v1alpha1',
  kind: 'PostgreSQLInstance',
  metadata: { name, namespace },
  spec: { parameters, writeConnectionSecretToRef: { name: `${name}-conn` } },
});

const apply = (api: k8s.KubernetesObjectApi, object: any, manager = 'test') =>
  api.patch(
    object,
    undefined,
    undefined,
    manager,
    undefined,
    k8s.PatchStrategy.ServerSideApply,
  );

jest.setTimeout(60_000);

/** A pipeline-mode Composition with function-patch-and-transform's resources. */
const composition = (
  name: string,
  compositeTypeRef: { apiVersion: string; kind: string },
  resources: unknown[],
) => ({
  apiVersion: 'apiextensions.crossplane.io/v1',
  kind: 'Composition',
  metadata: { name },
  spec: {
    compositeTypeRef,
    mode: 'Pipeline',
    pipeline: [
      {
        step: 'patch-and-transform',
        functionRef: { name: 'function-patch-and-transform' },
        input: {
          apiVersion: 'pt.fn.crossplane.io/v1beta1',
          kind: 'Resources',
          resources,
        },
      },
    ],
  },
});

const ALPHA_CLAIMS =
  '/apis/database.example.org/v1alpha1/namespaces/team-alpha/postgresqlinstances';

describe('kube-sim', () => {
  let sim: KubeSim;

  beforeAll(async () => {
    sim = await startKubeSim({ providerDelayMs: 20 });
  });

  afterAll(async () => {
    await sim?.stop();
  });

  /** Runs `fn` while the simulated provider refuses what `rule` matches. */
  async function whileRefusing(rule: FailureRule, fn: () => Promise<void>) {
    await sim.admin.configureProvider({ failures: [rule] });
    try {
      await fn();
    } finally {
      await sim.admin.configureProvider({ failures: [] });
    }
  }

  it('serves discovery for built-in kinds and the kinds generated from XRDs', async () => {
    const { kc } = clientsFor(sim, 'kube-admin');
    const apis = await kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    const groups = apis.groups.map(g => g.name);
    expect(groups).toEqual(
      expect.arrayContaining([
        'apiextensions.crossplane.io',
        'database.example.org',
        'messaging.example.org',
        'sim.crossplane.io',
      ]),
    );
    const resources = await kc
      .makeApiClient(k8s.CustomObjectsApi)
      .getAPIResources({ group: 'database.example.org', version: 'v1alpha1' });
    expect(resources.resources.map(r => [r.name, r.namespaced])).toEqual(
      expect.arrayContaining([
        ['postgresqlinstances', true],
        ['xpostgresqlinstances', false],
      ]),
    );
  });

  it('provisions a v1 claim: composite, managed resources, Ready and the connection secret', async () => {
    const alice = clientsFor(sim, 'alice');
    const applied = await apply(
      alice.objects,
      claim('orders-db', 'team-alpha'),
    );
    // Defaults from the XRD schema are filled in by the API server.
    expect(applied.spec).toMatchObject({
      parameters: {
        size: 'small',
        version: '16',
        storageGB: 20,
        region: 'eu-west-1',
      },
    });

    const ready = await readyAt(alice.kc, ALPHA_CLAIMS, 'orders-db');
    expect(ready.status.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'Synced',
          status: 'True',
          reason: 'ReconcileSuccess',
        }),
        expect.objectContaining({
          type: 'Ready',
          status: 'True',
          reason: 'Available',
        }),
      ]),
    );
    expect(ready.spec.resourceRef).toMatchObject({
      kind: 'XPostgreSQLInstance',
      name: expect.stringMatching(/^orders-db-[b-z2-9]{5}$/),
    });
    // Conditions speak for the generation Crossplane saw (the claim's spec.resourceRef was its
    // own write, so the claim is past generation 1).
    for (const condition of ready.status.conditions)
      expect(condition.observedGeneration).toBe(ready.metadata.generation);
    expect(ready.metadata.finalizers).toEqual([
      'finalizer.apiextensions.crossplane.io',
    ]);

    const admin = clientsFor(sim, 'kube-admin');
    const composite: any = await admin.objects.read({
      apiVersion: 'database.example.org/v1alpha1',
      kind: 'XPostgreSQLInstance',
      metadata: { name: ready.spec.resourceRef.name },
    } as any);
    expect(composite.metadata.labels).toMatchObject({
      'crossplane.io/claim-name': 'orders-db',
      'crossplane.io/claim-namespace': 'team-alpha',
    });
    expect(composite.spec.claimRef).toMatchObject({
      kind: 'PostgreSQLInstance',
      name: 'orders-db',
      namespace: 'team-alpha',
    });
    expect(composite.spec.resourceRefs.map((r: any) => r.kind).sort()).toEqual([
      'DatabaseInstance',
      'Network',
    ]);

    const instanceRef = composite.spec.resourceRefs.find(
      (r: any) => r.kind === 'DatabaseInstance',
    );
    const instance: any = await admin.objects.read({
      ...instanceRef,
      metadata: { name: instanceRef.name },
    } as any);
    // The composition's map transform and patches reached the managed resource.
    expect(instance.spec.forProvider).toMatchObject({
      engine: 'postgres',
      engineVersion: '16',
      instanceClass: 'db.t3.small',
      region: 'eu-west-1',
    });
    expect(instance.metadata.labels['crossplane.io/composite']).toBe(
      composite.metadata.name,
    );
    expect(instance.metadata.ownerReferences[0]).toMatchObject({
      kind: 'XPostgreSQLInstance',
      controller: true,
    });
    expect(composite.status.endpoint).toBe(
      `${instanceRef.name}.sim.example.org`,
    );

    const secret = await alice.core.readNamespacedSecret({
      name: 'orders-db-conn',
      namespace: 'team-alpha',
    });
    expect(Object.keys(secret.data ?? {}).sort()).toEqual([
      'endpoint',
      'password',
      'port',
      'username',
    ]);
  });

  it('provisions a v2 namespaced composite with namespaced managed resources, and deletes them in order', async () => {
    const bob = clientsFor(sim, 'bob');
    await apply(bob.objects, {
      apiVersion: 'messaging.example.org/v1alpha1',
      kind: 'Queue',
      metadata: { name: 'invoices', namespace: 'team-beta' },
      spec: { parameters: { fifo: true } },
    });
    const queues =
      '/apis/messaging.example.org/v1alpha1/namespaces/team-beta/queues';
    const ready = await readyAt(bob.kc, queues, 'invoices');
    expect(ready.status.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'Synced',
          status: 'True',
          reason: 'ReconcileSuccess',
          observedGeneration: ready.metadata.generation,
        }),
        expect.objectContaining({
          type: 'Ready',
          status: 'True',
          reason: 'Available',
          observedGeneration: ready.metadata.generation,
        }),
      ]),
    );
    // v2: no claim; Crossplane's machinery lives under spec.crossplane.
    expect(ready.spec.crossplane.compositionRef).toEqual({
      name: 'queues.sim.messaging.example.org',
    });
    expect(ready.metadata.finalizers).toEqual([
      'composite.apiextensions.crossplane.io',
    ]);
    const [ref] = ready.spec.crossplane.resourceRefs;
    expect(ref).toMatchObject({
      kind: 'QueueInstance',
      namespace: 'team-beta',
      name: expect.stringMatching(/^invoices-[0-9a-f]{5}$/),
    });
    const mr: any = await clientsFor(sim, 'kube-admin').objects.read({
      ...ref,
      metadata: { name: ref.name, namespace: 'team-beta' },
    } as any);
    expect(mr.spec.forProvider).toMatchObject({
      fifo: true,
      retentionHours: 96,
    });
    expect(mr.metadata.labels['crossplane.io/composite']).toBe('invoices');
    expect(mr.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'Queue',
        name: 'invoices',
        uid: ready.metadata.uid,
        controller: true,
      }),
    ]);
    expect(mr.metadata.finalizers).toEqual([
      'finalizer.managedresource.crossplane.io',
    ]);
    // The managed resource's connection secret, named by the composition's CombineFromComposite.
    const secret = await bob.core.readNamespacedSecret({
      namespace: 'team-beta',
      name: 'invoices-queue',
    });
    expect(Object.keys(secret.data ?? {}).sort()).toEqual([
      'endpoint',
      'password',
      'username',
    ]);

    // Deletion: the managed resource goes first, then the composite.
    const since = ready.metadata.resourceVersion;
    // Teams do not read managed resources; the administrator watches them.
    const mrGone = waitFor(
      clientsFor(sim, 'kube-admin').kc,
      '/apis/sim.m.crossplane.io/v1alpha1/namespaces/team-beta/queueinstances',
      (type, object) => type === 'DELETED' && object.metadata.name === ref.name,
      30_000,
      since,
    );
    const queueGone = waitFor(
      bob.kc,
      queues,
      (type, object) =>
        type === 'DELETED' && object.metadata.name === 'invoices',
      30_000,
      since,
    );
    await bob.objects.delete({
      apiVersion: 'messaging.example.org/v1alpha1',
      kind: 'Queue',
      metadata: { name: 'invoices', namespace: 'team-beta' },
    } as any);
    const [mrDeleted, queueDeleted] = await Promise.all([mrGone, queueGone]);
    expect(Number(mrDeleted.metadata.resourceVersion)).toBeLessThan(
      Number(queueDeleted.metadata.resourceVersion),
    );
  });

  it("honours a composition's readiness checks: a resource checked with None does not hold Ready back", async () => {
    await sim.admin.applyManifest(
      composition(
        'queues-with-dlq.sim.messaging.example.org',
        { apiVersion: 'messaging.example.org/v1alpha1', kind: 'Queue' },
        [
          {
            name: 'queue',
            base: {
              apiVersion: 'sim.m.crossplane.io/v1alpha1',
              kind: 'QueueInstance',
              spec: { forProvider: { region: 'eu-west-1' } },
            },
            readinessChecks: [
              {
                type: 'MatchString',
                fieldPath: 'status.atProvider.state',
                matchString: 'available',
              },
            ],
          },
          {
            name: 'dead-letters',
            base: {
              apiVersion: 'sim.m.crossplane.io/v1alpha1',
              kind: 'QueueInstance',
              spec: { forProvider: { region: 'mars-north-1' } },
            },
            readinessChecks: [{ type: 'None' }],
          },
        ],
      ),
    );
    await whileRefusing(
      {
        kind: 'QueueInstance',
        specPattern: 'mars-north-1',
        message: 'region mars-north-1 is not available',
      },
      async () => {
        const bob = clientsFor(sim, 'bob');
        await apply(bob.objects, {
          apiVersion: 'messaging.example.org/v1alpha1',
          kind: 'Queue',
          metadata: { name: 'with-dlq', namespace: 'team-beta' },
          spec: {
            crossplane: {
              compositionRef: {
                name: 'queues-with-dlq.sim.messaging.example.org',
              },
            },
          },
        });
        const queue = await readyAt(
          bob.kc,
          '/apis/messaging.example.org/v1alpha1/namespaces/team-beta/queues',
          'with-dlq',
        );
        // Ready although the dead-letter queue is refused, which Synced still reports.
        expect(queue.spec.crossplane.resourceRefs).toHaveLength(2);
        expect(
          queue.status.conditions.find((c: any) => c.type === 'Synced'),
        ).toMatchObject({
          status: 'False',
          message: expect.stringContaining(
            'region mars-north-1 is not available',
          ),
        });
      },
    );
  });

  it('leaves the external resource of a managed resource with deletionPolicy Orphan', async () => {
    await sim.admin.applyManifest(
      composition(
        'keep-the-data.sim.database.example.org',
        {
          apiVersion: 'database.example.org/v1alpha1',
          kind: 'XPostgreSQLInstance',
        },
        [
          {
            name: 'network',
            base: {
              apiVersion: 'sim.crossplane.io/v1alpha1',
              kind: 'Network',
              spec: { forProvider: { cidrBlock: '10.1.0.0/24' } },
            },
          },
          {
            name: 'instance',
            base: {
              apiVersion: 'sim.crossplane.io/v1alpha1',
              kind: 'DatabaseInstance',
              spec: {
                forProvider: { engine: 'postgres' },
                deletionPolicy: 'Orphan',
              },
            },
          },
        ],
      ),
    );
    const alice = clientsFor(sim, 'alice');
    const kept = {
      ...claim('kept-db', 'team-alpha'),
      spec: {
        ...claim('kept-db', 'team-alpha').spec,
        compositionRef: { name: 'keep-the-data.sim.database.example.org' },
      },
    };
    await apply(alice.objects, kept);
    const ready = await readyAt(alice.kc, ALPHA_CLAIMS, 'kept-db');
    const composite: any = await clientsFor(sim, 'pat').objects.read({
      apiVersion: 'database.example.org/v1alpha1',
      kind: 'XPostgreSQLInstance',
      metadata: { name: ready.spec.resourceRef.name },
    } as any);
    const byKind = Object.fromEntries(
      composite.spec.resourceRefs.map((r: any) => [r.kind, r.name]),
    );
    const cloud = async () =>
      (await sim.admin.externalResources())
        .filter(r => Object.values(byKind).includes(r.managedResource))
        .map(r => r.kind)
        .sort();
    expect(await cloud()).toEqual(['DatabaseInstance', 'Network']);

    // Watched from the Ready version on, so that the deletion cannot be missed.
    const since = ready.metadata.resourceVersion;
    await alice.objects.delete(kept as any);
    // The composite goes once its managed resources are gone.
    await waitFor(
      clientsFor(sim, 'pat').kc,
      '/apis/database.example.org/v1alpha1/xpostgresqlinstances',
      (type, object) =>
        type === 'DELETED' && object.metadata.name === composite.metadata.name,
      30_000,
      since,
    );
    // Both managed resources are gone; the database they managed is still in the cloud.
    expect(await cloud()).toEqual(['DatabaseInstance']);
  });

  it("keeps tenants apart: a team cannot write in another team's namespace", async () => {
    const body = await expectStatus(
      apply(clientsFor(sim, 'alice').objects, claim('sneaky', 'team-beta')),
      403,
    );
    expect(body.reason).toBe('Forbidden');
    expect(body.message).toContain(
      'User "alice" cannot patch resource "postgresqlinstances" in API group "database.example.org" in the namespace "team-beta"',
    );
  });

  it('makes writes as the impersonated user and records who did what', async () => {
    const backstage = clientsFor(
      sim,
      'system:serviceaccount:crossplane-system:backstage',
    );
    const { lastSeq } = await sim.admin.audit();
    // Two groups: Kubernetes expects one Impersonate-Group header line per group.
    const res = await fetch(
      `${sim.url}/apis/database.example.org/v1alpha1/namespaces/team-alpha/postgresqlinstances/impersonated-db?fieldManager=test`,
      {
        method: 'PATCH',
        headers: {
          Authorization: `Bearer ${sim.tokenFor(
            'system:serviceaccount:crossplane-system:backstage',
          )}`,
          'Content-Type': 'application/apply-patch+yaml',
          'Impersonate-User': 'alice',
          'Impersonate-Group': 'team-alpha',
        },
        body: JSON.stringify(claim('impersonated-db', 'team-alpha')),
      },
    );
    expect(res.status).toBe(201);
    const { records } = await sim.admin.audit({
      sinceSeq: lastSeq,
      name: 'impersonated-db',
    });
    expect(records).toEqual([
      expect.objectContaining({
        user: 'system:serviceaccount:crossplane-system:backstage',
        impersonatedUser: 'alice',
        impersonatedGroups: ['team-alpha'],
        verb: 'patch',
        resource: 'postgresqlinstances',
        namespace: 'team-alpha',
        code: 201,
      }),
    ]);
    // The service account itself may not write claims, only read them.
    await expectStatus(
      apply(backstage.objects, claim('direct-db', 'team-alpha')),
      403,
    );
  });

  it('refuses unknown and expired tokens with 401', async () => {
    const res = await fetch(`${sim.url}/api/v1/namespaces`, {
      headers: { Authorization: 'Bearer nope' },
    });
    expect(res.status).toBe(401);

    const bob = clientsFor(sim, 'bob');
    await bob.core.listNamespacedSecret({ namespace: 'team-beta' });
    await sim.admin.expireToken('bob');
    try {
      await expectStatus(
        bob.core.listNamespacedSecret({ namespace: 'team-beta' }),
        401,
      );
    } finally {
      // bob writes in other tests of this file, whatever this one's outcome.
      await sim.admin.expireToken('bob', null);
    }
    await bob.core.listNamespacedSecret({ namespace: 'team-beta' });
  });

  it('validates against the XRD schema and creates nothing on a dry run', async () => {
    const alice = clientsFor(sim, 'alice');
    const body = await expectStatus(
      apply(alice.objects, claim('bad-db', 'team-alpha', { size: 'huge' })),
      422,
    );
    expect(body.details.causes[0]).toMatchObject({
      field: 'spec.parameters.size',
    });

    await alice.objects.patch(
      claim('dry-db', 'team-alpha') as any,
      undefined,
      'All',
      'test',
      undefined,
      k8s.PatchStrategy.ServerSideApply,
    );
    await expectStatus(
      alice.objects.read(claim('dry-db', 'team-alpha') as any),
      404,
    );
  });

  it('resolves server-side apply conflicts the way Kubernetes does', async () => {
    const pat = clientsFor(sim, 'pat');
    await apply(
      pat.objects,
      claim('shared-db', 'team-alpha', { size: 'small' }),
      'team-a-tool',
    );
    const body = await expectStatus(
      apply(
        pat.objects,
        claim('shared-db', 'team-alpha', { size: 'large' }),
        'other-tool',
      ),
      409,
    );
    expect(body.message).toContain(
      'conflict with "team-a-tool": .spec.parameters.size',
    );
    const forced: any = await pat.objects.patch(
      claim('shared-db', 'team-alpha', { size: 'large' }) as any,
      undefined,
      undefined,
      'other-tool',
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    expect(forced.spec.parameters.size).toBe('large');
    expect(forced.metadata.generation).toBeGreaterThan(1);
  });

  it('deletes a claim in the background by default: the claim goes first, its composite after it', async () => {
    const alice = clientsFor(sim, 'alice');
    await apply(alice.objects, claim('background-db', 'team-alpha'));
    const ready = await readyAt(alice.kc, ALPHA_CLAIMS, 'background-db');
    const since = ready.metadata.resourceVersion;
    const claimGone = waitFor(
      alice.kc,
      ALPHA_CLAIMS,
      (type, object) =>
        type === 'DELETED' && object.metadata.name === 'background-db',
      30_000,
      since,
    );
    const compositeGone = waitFor(
      clientsFor(sim, 'pat').kc,
      '/apis/database.example.org/v1alpha1/xpostgresqlinstances',
      (type, object) =>
        type === 'DELETED' &&
        object.metadata.name === ready.spec.resourceRef.name,
      30_000,
      since,
    );
    await alice.objects.delete(claim('background-db', 'team-alpha') as any);
    const [claimDeleted, compositeDeleted] = await Promise.all([
      claimGone,
      compositeGone,
    ]);
    // One resourceVersion counter for all objects: the order in which they went.
    expect(Number(claimDeleted.metadata.resourceVersion)).toBeLessThan(
      Number(compositeDeleted.metadata.resourceVersion),
    );
  });

  it('deletes a claim in the foreground after its composite and managed resources are gone', async () => {
    const alice = clientsFor(sim, 'alice');
    const shortLived = claim('short-lived', 'team-alpha');
    await apply(alice.objects, {
      ...shortLived,
      spec: { ...shortLived.spec, compositeDeletePolicy: 'Foreground' },
    });
    const ready = await readyAt(alice.kc, ALPHA_CLAIMS, 'short-lived');
    // Watched from the Ready version on, so that nothing after it can be missed.
    const since = ready.metadata.resourceVersion;
    const deleting = (object: any) =>
      (object.status?.conditions ?? []).some(
        (c: any) =>
          c.type === 'Ready' && c.status === 'False' && c.reason === 'Deleting',
      );
    const claimDeleting = waitFor(
      alice.kc,
      ALPHA_CLAIMS,
      (_type, object) =>
        object.metadata.name === 'short-lived' && deleting(object),
      30_000,
      since,
    );
    const compositeDeleting = waitFor(
      clientsFor(sim, 'pat').kc,
      '/apis/database.example.org/v1alpha1/xpostgresqlinstances',
      (_type, object) =>
        object.metadata.name === ready.spec.resourceRef.name &&
        deleting(object),
      30_000,
      since,
    );
    const gone = waitFor(
      alice.kc,
      ALPHA_CLAIMS,
      (type, object) =>
        type === 'DELETED' && object.metadata.name === 'short-lived',
      30_000,
      since,
    );
    await alice.objects.delete(shortLived as any);
    // While it goes, the claim and its composite say so, as Crossplane's do.
    expect((await claimDeleting).metadata.deletionTimestamp).toBeDefined();
    expect((await compositeDeleting).metadata.deletionTimestamp).toBeDefined();
    await gone;
    const admin = clientsFor(sim, 'kube-admin');
    await expectStatus(
      admin.objects.read({
        apiVersion: 'database.example.org/v1alpha1',
        kind: 'XPostgreSQLInstance',
        metadata: { name: ready.spec.resourceRef.name },
      } as any),
      404,
    );
    const instances = await admin.custom.listClusterCustomObject({
      group: 'sim.crossplane.io',
      version: 'v1alpha1',
      plural: 'databaseinstances',
    });
    expect(
      (instances as any).items.map(
        (i: any) => i.metadata.labels['crossplane.io/composite'],
      ),
    ).not.toContain(ready.spec.resourceRef.name);
  });

  it('applies a failure rule only as often as its probability says', async () => {
    // Probability 0: the rule matches the name but never fires; the claim becomes Ready.
    await whileRefusing(
      {
        kind: 'DatabaseInstance',
        namePattern: '^lucky-',
        probability: 0,
        message: 'never reported',
      },
      async () => {
        const alice = clientsFor(sim, 'alice');
        await apply(alice.objects, claim('lucky', 'team-alpha'));
        const ready = await readyAt(alice.kc, ALPHA_CLAIMS, 'lucky');
        expect(
          ready.status.conditions.find((c: any) => c.type === 'Synced'),
        ).toMatchObject({ status: 'True', reason: 'ReconcileSuccess' });
      },
    );
  });

  it('reports a managed resource the provider refuses, with its message', async () => {
    await whileRefusing(
      {
        kind: 'DatabaseInstance',
        namePattern: '^doomed-',
        message: 'quota exceeded for instance class db.t3.small',
      },
      async () => {
        const alice = clientsFor(sim, 'alice');
        await apply(alice.objects, claim('doomed', 'team-alpha'));
        // Composites are cluster-scoped: the platform team reads them.
        const composite = await waitFor(
          clientsFor(sim, 'pat').kc,
          '/apis/database.example.org/v1alpha1/xpostgresqlinstances',
          (_type, object) =>
            object.spec.claimRef?.name === 'doomed' &&
            (object.status?.conditions ?? []).some(
              (c: any) => c.type === 'Synced' && c.status === 'False',
            ),
        );
        const synced = composite.status.conditions.find(
          (c: any) => c.type === 'Synced',
        );
        expect(synced).toMatchObject({
          reason: 'ReconcileError',
          message: expect.stringContaining(
            'quota exceeded for instance class db.t3.small',
          ),
        });
        expect(synced.message).toMatch(
          /^DatabaseInstance doomed-[b-z2-9]{5}-[0-9a-f]{5}: /,
        );
        // As events, the way kubectl describe shows them: the claim's binding, and the managed
        // resource's refusal (cluster-scoped objects' events go to the default namespace).
        const admin = clientsFor(sim, 'kube-admin');
        const claimEvents = await admin.core.listNamespacedEvent({
          namespace: 'team-alpha',
          fieldSelector: 'involvedObject.name=doomed',
        });
        expect(claimEvents.items).toContainEqual(
          expect.objectContaining({
            type: 'Normal',
            reason: 'BindCompositeResource',
            message: `Successfully bound composite resource ${composite.metadata.name}`,
          }),
        );
        const managedName = synced.message.split(':')[0].split(' ')[1];
        const managedEvents = await admin.core.listNamespacedEvent({
          namespace: 'default',
          fieldSelector: `involvedObject.name=${managedName}`,
        });
        expect(managedEvents.items).toEqual([
          expect.objectContaining({
            type: 'Warning',
            reason: 'CannotCreateExternalResource',
            message: 'quota exceeded for instance class db.t3.small',
            involvedObject: expect.objectContaining({
              kind: 'DatabaseInstance',
              name: managedName,
            }),
            count: 1,
          }),
        ]);
      },
    );
  });

  it('starts a watch on an empty collection at once and delivers what comes next', async () => {
    const admin = clientsFor(sim, 'kube-admin');
    let resolveSeen: (object: any) => void = () => {};
    const seen = new Promise<any>(resolve => {
      resolveSeen = resolve;
    });
    // Resolves only once the server sent the response headers: nothing exists to send yet.
    const controller = await new k8s.Watch(admin.kc).watch(
      '/api/v1/namespaces/crossplane-system/configmaps',
      {},
      (type, object) => type === 'ADDED' && resolveSeen(object),
      () => {},
    );
    await admin.core.createNamespacedConfigMap({
      namespace: 'crossplane-system',
      body: { metadata: { name: 'first-one' } },
    });
    expect((await seen).metadata.name).toBe('first-one');
    controller.abort();
  });

  it('resumes a watch from a resourceVersion and reports what happened meanwhile', async () => {
    const admin = clientsFor(sim, 'kube-admin');
    const list = await admin.core.listNamespacedConfigMap({
      namespace: 'team-alpha',
    });
    const since = list.metadata!.resourceVersion!;
    await admin.core.createNamespacedConfigMap({
      namespace: 'team-alpha',
      body: { metadata: { name: 'while-away' }, data: { a: '1' } },
    });
    let controller: AbortController | undefined;
    const seen = await new Promise<any>((resolve, reject) => {
      new k8s.Watch(admin.kc)
        .watch(
          '/api/v1/namespaces/team-alpha/configmaps',
          { resourceVersion: since },
          (type, object) =>
            object.metadata.name === 'while-away' && resolve({ type, object }),
          error => error && error.name !== 'AbortError' && reject(error),
        )
        .then(c => {
          controller = c;
        }, reject);
    });
    controller?.abort();
    expect(seen.type).toBe('ADDED');
  });

  it('deletes a collection by label selector, and only what matches', async () => {
    const admin = clientsFor(sim, 'kube-admin');
    for (const [name, app] of [
      ['cleanup-1', 'old'],
      ['cleanup-2', 'old'],
      ['keeper', 'new'],
    ])
      await admin.core.createNamespacedConfigMap({
        namespace: 'team-alpha',
        body: { metadata: { name, labels: { app } } },
      });
    await admin.core.deleteCollectionNamespacedConfigMap({
      namespace: 'team-alpha',
      labelSelector: 'app=old',
    });
    const left = await admin.core.listNamespacedConfigMap({
      namespace: 'team-alpha',
      labelSelector: 'app',
    });
    expect(left.items.map(c => c.metadata!.name)).toEqual(['keeper']);
    // deletecollection is a verb of its own: a team that may delete one config map may not
    // necessarily delete them all, and the refusal names it.
    const body = await expectStatus(
      clientsFor(sim, 'bob').core.deleteCollectionNamespacedConfigMap({
        namespace: 'team-alpha',
      }),
      403,
    );
    expect(body.message).toContain(
      'User "bob" cannot deletecollection resource "configmaps" in API group "" in the namespace "team-alpha"',
    );
  });

  it('answers access reviews from RBAC, for the caller and for others', async () => {
    const attributes = (namespace: string) => ({
      namespace,
      verb: 'create',
      group: 'database.example.org',
      resource: 'postgresqlinstances',
    });
    const alice = clientsFor(sim, 'alice').kc.makeApiClient(
      k8s.AuthorizationV1Api,
    );
    const own = await alice.createSelfSubjectAccessReview({
      body: { spec: { resourceAttributes: attributes('team-alpha') } },
    });
    expect(own.status?.allowed).toBe(true);
    const other = await alice.createSelfSubjectAccessReview({
      body: { spec: { resourceAttributes: attributes('team-beta') } },
    });
    expect(other.status?.allowed).toBe(false);

    const admin = clientsFor(sim, 'kube-admin').kc.makeApiClient(
      k8s.AuthorizationV1Api,
    );
    const forBob = await admin.createSubjectAccessReview({
      body: {
        spec: {
          user: 'bob',
          groups: ['team-beta'],
          resourceAttributes: attributes('team-beta'),
        },
      },
    });
    expect(forBob.status?.allowed).toBe(true);
    // Asking about others is itself a permission.
    await expectStatus(
      alice.createSubjectAccessReview({
        body: {
          spec: { user: 'bob', resourceAttributes: attributes('team-beta') },
        },
      }),
      403,
    );
    // A review must say what it asks about.
    const invalid = await expectStatus(
      alice.createSelfSubjectAccessReview({ body: { spec: {} } }),
      422,
    );
    expect(invalid.message).toContain(
      'exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
  });

  describe('owner-reference garbage collection', () => {
    const admin = () => clientsFor(sim, 'kube-admin');
    const namespace = 'team-beta';

    /** A config map owning a secret (and, optionally, the secret holding on with a finalizer). */
    async function ownerAndDependent(name: string, finalizers?: string[]) {
      const { core } = admin();
      const owner = await core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: `${name}-owner` } },
      });
      const dependent = await core.createNamespacedSecret({
        namespace,
        body: {
          metadata: {
            name: `${name}-dependent`,
            finalizers,
            ownerReferences: [
              {
                apiVersion: 'v1',
                kind: 'ConfigMap',
                name: owner.metadata!.name!,
                uid: owner.metadata!.uid!,
                blockOwnerDeletion: true,
              },
            ],
          },
        },
      });
      return { owner, dependent };
    }

    /** The store's current revision (one counter for all objects, as etcd's). */
    const revision = async () =>
      (await admin().core.listNamespacedConfigMap({ namespace })).metadata!
        .resourceVersion!;

    /** Resolves once `name` at `path` was deleted after `since`. */
    const deletedSince = (path: string, name: string, since: string) =>
      waitFor(
        admin().kc,
        path,
        (type, o) => type === 'DELETED' && o.metadata.name === name,
        30_000,
        since,
      );

    it('deletes dependents once their owner is gone (background)', async () => {
      const { core } = admin();
      await ownerAndDependent('background');
      const since = await revision();
      await core.deleteNamespacedConfigMap({
        namespace,
        name: 'background-owner',
      });
      const deleted = await deletedSince(
        `/api/v1/namespaces/${namespace}/secrets`,
        'background-dependent',
        since,
      );
      expect(deleted.metadata.ownerReferences[0].name).toBe('background-owner');
      const body = await expectStatus(
        core.readNamespacedSecret({ namespace, name: 'background-dependent' }),
        404,
      );
      expect(body.reason).toBe('NotFound');
    });

    it('keeps a foreground-deleted owner until its dependents are gone', async () => {
      const { core } = admin();
      await ownerAndDependent('foreground', ['example.com/hold']);
      await core.deleteNamespacedConfigMap({
        namespace,
        name: 'foreground-owner',
        body: { propagationPolicy: 'Foreground' },
      });
      // The dependent is being deleted, held by its own finalizer; the owner waits for it.
      const dependent = await waitFor(
        admin().kc,
        `/api/v1/namespaces/${namespace}/secrets`,
        (_type, o) =>
          o.metadata.name === 'foreground-dependent' &&
          Boolean(o.metadata.deletionTimestamp),
      );
      const owner = await core.readNamespacedConfigMap({
        namespace,
        name: 'foreground-owner',
      });
      expect(owner.metadata?.deletionTimestamp).toBeDefined();
      expect(owner.metadata?.finalizers).toContain('foregroundDeletion');

      const since = await revision();
      await core.replaceNamespacedSecret({
        namespace,
        name: 'foreground-dependent',
        body: {
          ...dependent,
          metadata: { ...dependent.metadata, finalizers: [] },
        },
      });
      await deletedSince(
        `/api/v1/namespaces/${namespace}/configmaps`,
        'foreground-owner',
        since,
      );
    });

    it('leaves orphans without the reference to their deleted owner', async () => {
      const { core } = admin();
      await ownerAndDependent('orphan');
      await core.deleteNamespacedConfigMap({
        namespace,
        name: 'orphan-owner',
        propagationPolicy: 'Orphan',
      });
      const orphan = await core.readNamespacedSecret({
        namespace,
        name: 'orphan-dependent',
      });
      expect(orphan.metadata?.ownerReferences ?? []).toEqual([]);
      await expectStatus(
        core.readNamespacedConfigMap({ namespace, name: 'orphan-owner' }),
        404,
      );
    });

    it('refuses an unknown propagation policy and deletes nothing', async () => {
      const { core } = admin();
      await ownerAndDependent('unknown-policy');
      const body = await expectStatus(
        core.deleteNamespacedConfigMap({
          namespace,
          name: 'unknown-policy-owner',
          propagationPolicy: 'Sometimes',
        }),
        422,
      );
      expect(body.message).toContain(
        'propagationPolicy: Unsupported value: "Sometimes"',
      );
      await core.readNamespacedConfigMap({
        namespace,
        name: 'unknown-policy-owner',
      });
    });
  });
});

describe('kube-sim over HTTPS', () => {
  it('is reached by client-node through the CA in its kubeconfig, without skipping verification', async () => {
    const sim = await startKubeSim({ https: true, fixtures: false });
    try {
      const { kc, core } = clientsFor(sim, 'kube-admin');
      expect(kc.getCurrentCluster()).toMatchObject({
        server: sim.url,
        skipTLSVerify: false,
      });
      const namespaces = await core.listNamespace();
      expect(namespaces.kind).toBe('NamespaceList');
    } finally {
      await sim.stop();
    }
  });
});
