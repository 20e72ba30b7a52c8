/*
 * Every route of the REST API in a real Backstage backend, on the Temporal dev server and the
 * cluster simulator: what each answers (checked against the OpenAPI document), who may do what,
 * what is audited and which signals go out. Requests are made as the demo users.
 */
import { mockCredentials } from '@backstage/backend-test-utils';
import { ResponseError } from '@backstage/errors';
import {
  CrossplaneTemporalClient,
  MANAGED_BY_LABEL,
  OWNER_ANNOTATION,
  REQUESTED_BY_ANNOTATION,
  resourceWorkflowId,
  type ResourceRef,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  API,
  pathOf,
  startApiTestBackend,
  type ApiTestBackend,
} from '../__testUtils__/apiTestBackend';

jest.setTimeout(180_000);

const postgres = (name: string, namespace = 'team-alpha'): ResourceRef => ({
  cluster: 'local',
  apiVersion: 'database.example.org/v1alpha1',
  kind: 'PostgreSQLInstance',
  namespace,
  name,
});
const bucket = (name: string, namespace = 'team-alpha'): ResourceRef => ({
  cluster: 'local',
  apiVersion: 'storage.example.org/v1alpha1',
  kind: 'Bucket',
  namespace,
  name,
});
const spec = (size = 'small') => ({
  parameters: { size },
  writeConnectionSecretToRef: { name: 'conn' },
});

describe('REST API', () => {
  let t: ApiTestBackend;

  beforeAll(async () => {
    t = await startApiTestBackend({
      config: {
        // Buckets wait for the platform team's approval before they are provisioned.
        xrds: [
          {
            name: 'xbuckets.storage.example.org',
            policy: {
              approval: 'provision',
              approvers: ['group:default/platform-team'],
              approvalTimeout: '10m',
            },
          },
        ],
      },
    });
  });

  afterAll(async () => {
    await t?.stop();
  });

  /** The resource as alice reads it, once `done` holds. */
  const resourceWhen = (
    ref: ResourceRef,
    what: string,
    done: (body: any) => boolean,
  ) =>
    t.waitFor(what, async () => {
      const res = await t.call('alice', 'get', pathOf(ref));
      return res.status === 200 && done(res.body) ? res.body : undefined;
    });

  it('refuses every route without credentials', async () => {
    const ref = postgres('anonymous-db');
    for (const [method, path] of [
      ['get', `${API}/resources`],
      ['get', `${API}/kinds`],
      ['get', `${API}/approvals`],
      ['get', pathOf(ref)],
      ['get', `${pathOf(ref)}/history`],
      ['post', `${pathOf(ref)}/provision`],
      ['post', `${pathOf(ref)}/deprovision`],
    ] as const) {
      const res = await t.call(
        'none',
        method,
        path,
        method === 'post' ? {} : undefined,
      );
      expect({ path, status: res.status }).toEqual({ path, status: 401 });
    }
  });

  it('lists the kinds a user may request, with their schema, policy and namespaces', async () => {
    const kinds = await t.waitFor('the XRDs in the cache', async () => {
      const res = await t.call('alice', 'get', `${API}/kinds`);
      return res.body.items?.length >= 3 ? res.body : undefined;
    });
    const byKind = Object.fromEntries(kinds.items.map((k: any) => [k.kind, k]));
    expect(byKind.PostgreSQLInstance).toMatchObject({
      cluster: 'local',
      apiVersion: 'database.example.org/v1alpha1',
      scope: 'claim',
      xrdName: 'xpostgresqlinstances.database.example.org',
      namespaces: ['team-alpha'],
      policy: { drift: 'notify', readyTimeoutSeconds: 600 },
      connectionSecretKeys: ['endpoint', 'port', 'username', 'password'],
    });
    expect(
      byKind.PostgreSQLInstance.schema.properties.parameters.properties.size
        .enum,
    ).toEqual(['small', 'medium', 'large']);
    expect(byKind.Queue).toMatchObject({ scope: 'namespaced-composite' });
    expect(byKind.Bucket.policy.approval).toEqual({
      operations: ['provision'],
      approvers: ['group:default/platform-team'],
      timeoutSeconds: 600,
    });
    expect(kinds.freshness.ageSeconds).toBeGreaterThanOrEqual(0);

    const pat = await t.call('pat', 'get', `${API}/kinds?cluster=local`);
    expect(pat.body.items[0].namespaces).toEqual(['*']);
    // Guest belongs to no group that may use a namespace: nothing to request.
    expect((await t.call('guest', 'get', `${API}/kinds`)).body.items).toEqual(
      [],
    );
    expect(
      (await t.call('alice', 'get', `${API}/kinds?cluster=elsewhere`)).status,
    ).toBe(404);
  });

  it('provisions for a component, answers a retried request without doing it twice, and serves the resource from the caches', async () => {
    const ref = postgres('orders-db');
    const first = await t.call('alice', 'post', `${pathOf(ref)}/provision`, {
      requestId: 'orders-db-1',
      spec: spec(),
      component: 'component:default/checkout-service',
    });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({
      requestId: 'orders-db-1',
      firstTime: true,
      workflowId:
        'crossplane-resource/local/team-alpha/postgresqlinstance.database.example.org/orders-db',
      ref,
    });
    const again = await t.call('alice', 'post', `${pathOf(ref)}/provision`, {
      requestId: 'orders-db-1',
      spec: spec(),
      component: 'component:default/checkout-service',
    });
    expect(again.status).toBe(202);
    expect(again.body.firstTime).toBe(false);

    const ready = await resourceWhen(
      ref,
      'orders-db Ready',
      b => b.phase === 'Ready' && b.ready === 'True',
    );
    expect(ready).toMatchObject({
      ref,
      owner: 'group:default/team-alpha',
      component: 'component:default/checkout-service',
      synced: 'True',
      lastGoodSpec: spec(),
      policy: { drift: 'notify', readyTimeoutSeconds: 600 },
      freshness: { cluster: { watching: true } },
    });
    expect(ready.outputs.connectionSecret).toMatchObject({
      namespace: 'team-alpha',
      name: 'conn',
    });
    expect(ready.conditions.map((c: any) => `${c.type}=${c.status}`)).toEqual(
      expect.arrayContaining(['Ready=True', 'Synced=True']),
    );

    const phase = await t.call('bob', 'get', `${pathOf(ref)}/phase`);
    expect(phase.body).toMatchObject({ ref, phase: 'Ready', ready: 'True' });

    const tree = await t.waitFor(
      'the composite and its managed resources',
      async () => {
        const res = await t.call('alice', 'get', `${pathOf(ref)}/tree`);
        return res.body.managed.length === 2 ? res.body : undefined;
      },
    );
    expect(tree.resource).toMatchObject({
      kind: 'PostgreSQLInstance',
      name: 'orders-db',
      namespace: 'team-alpha',
      ready: true,
    });
    expect(tree.composite).toMatchObject({
      kind: 'XPostgreSQLInstance',
      ready: true,
    });
    expect(tree.managed.map((m: any) => m.kind).sort()).toEqual([
      'DatabaseInstance',
      'Network',
    ]);

    const events = await t.waitFor("the claim's events", async () => {
      const res = await t.call('alice', 'get', `${pathOf(ref)}/events`);
      return res.body.items.length ? res.body : undefined;
    });
    expect(events.items.map((e: any) => e.reason)).toContain(
      'BindCompositeResource',
    );

    const steps = await t.call('alice', 'get', `${pathOf(ref)}/steps`);
    expect(steps.body.items.map((s: any) => `${s.step}:${s.outcome}`)).toEqual(
      expect.arrayContaining([
        'request:info',
        'validate:succeeded',
        'apply:succeeded',
        'wait-ready:succeeded',
      ]),
    );

    // The history joins who asked (the audit trail) with what the workflow did.
    const history = await t.call('alice', 'get', `${pathOf(ref)}/history`);
    const audit = history.body.items.filter((i: any) => i.source === 'audit');
    expect(audit).toEqual([
      expect.objectContaining({
        what: 'provision',
        outcome: 'succeeded',
        actor: 'user:default/alice',
        requestId: 'orders-db-1',
        message: 'accepted orders-db-1',
      }),
      expect.objectContaining({
        what: 'provision',
        outcome: 'succeeded',
        message: 'orders-db-1 had been accepted before; answered again',
      }),
    ]);
    const firstWorkflowStep = history.body.items.findIndex(
      (i: any) => i.source === 'workflow',
    );
    expect(firstWorkflowStep).toBeGreaterThan(0);
    expect(history.body.items[firstWorkflowStep - 1].source).toBe('audit');

    // Audited: the requests, who made them, on which resource, with their outcome.
    expect(t.audited).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          eventId: 'resource-provision',
          severityLevel: 'medium',
          meta: expect.objectContaining({
            actor: 'user:default/alice',
            resource: first.body.workflowId,
            requestId: 'orders-db-1',
          }),
          outcome: 'success',
          result: { result: 'accepted orders-db-1' },
        }),
        expect.objectContaining({
          eventId: 'resource-get-tree',
          severityLevel: 'low',
          meta: expect.objectContaining({
            actor: 'user:default/alice',
            resource: first.body.workflowId,
          }),
          outcome: 'success',
        }),
        expect.objectContaining({
          eventId: 'resource-get-phase',
          meta: expect.objectContaining({ actor: 'user:default/bob' }),
        }),
      ]),
    );

    // The owners were told of every phase change on the resource's channel.
    const phases = t.signals
      .filter(s => (s.message as any).workflowId === first.body.workflowId)
      .map(s => (s.message as any).phase);
    expect(phases).toContain('Ready');
    expect(
      t.signals.find(s => (s.message as any).phase === 'Ready'),
    ).toMatchObject({
      channel: 'crossplane-temporal:resource-phase',
      recipients: { type: 'user', entityRef: ['group:default/team-alpha'] },
    });
  });

  it('lists resources by entity, owner, cluster, namespace, kind and phase, a page at a time', async () => {
    const second = postgres('payments-db');
    expect(
      (
        await t.call('alice', 'post', `${pathOf(second)}/provision`, {
          spec: spec(),
          component: 'component:default/checkout-service',
        })
      ).status,
    ).toBe(202);
    const queue = {
      cluster: 'local',
      apiVersion: 'messaging.example.org/v1alpha1',
      kind: 'Queue',
      namespace: 'team-beta',
      name: 'invoices',
    };
    expect(
      (
        await t.call('bob', 'post', `${pathOf(queue)}/provision`, {
          spec: { parameters: { fifo: true } },
          component: 'component:default/billing-service',
        })
      ).status,
    ).toBe(202);
    await t.waitFor('three resources Ready', async () => {
      const res = await t.call('alice', 'get', `${API}/resources?phase=Ready`);
      return res.body.items.length >= 3;
    });

    const names = async (
      query: Record<string, string>,
      user: 'alice' | 'bob' | 'guest' = 'alice',
    ) => {
      const res = await t.call(
        user,
        'get',
        `${API}/resources?${new URLSearchParams(query)}`,
      );
      expect({ query, status: res.status, error: res.body.error }).toEqual({
        query,
        status: 200,
        error: undefined,
      });
      return res.body.items.map((i: any) => i.ref.name).sort();
    };
    expect(await names({ owner: 'group:default/team-beta' })).toEqual([
      'invoices',
    ]);
    expect(
      await names({ entityRef: 'component:default/checkout-service' }),
    ).toEqual(['orders-db', 'payments-db']);
    expect(await names({ namespace: 'team-beta', kind: 'Queue' })).toEqual([
      'invoices',
    ]);
    expect(
      await names({ group: 'database.example.org', cluster: 'local' }),
    ).toEqual(['orders-db', 'payments-db']);
    expect(await names({ phase: 'Deleted' })).toEqual([]);
    // Reading is open to everyone signed in, guest included.
    expect(await names({ kind: 'Queue' }, 'guest')).toEqual(['invoices']);

    const pages: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await t.call(
        'alice',
        'get',
        `${API}/resources?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.body.items.length).toBeLessThanOrEqual(1);
      pages.push(...res.body.items.map((i: any) => i.ref.name));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(pages.sort()).toEqual(['invoices', 'orders-db', 'payments-db']);
  });

  it('lets owners update and others not, and refuses what the state does not allow', async () => {
    const ref = postgres('orders-db');
    const { lastSeq } = await t.cluster.sim.admin.audit();
    const bob = await t.call('bob', 'post', `${pathOf(ref)}/update`, {
      spec: spec('large'),
    });
    expect(bob.status).toBe(403);
    expect(bob.body.error.message).toMatch(
      /may not update PostgreSQLInstance team-alpha\/orders-db/,
    );

    const alice = await t.call('alice', 'post', `${pathOf(ref)}/update`, {
      requestId: 'orders-db-2',
      spec: spec('medium'),
    });
    expect(alice.status).toBe(202);
    await resourceWhen(
      ref,
      'the update Ready',
      b => b.phase === 'Ready' && b.lastGoodSpec?.parameters?.size === 'medium',
    );
    // Bob's refused request wrote nothing; alice's was made as alice.
    const writes = (
      await t.cluster.sim.admin.audit({ sinceSeq: lastSeq })
    ).records.filter(
      r =>
        r.verb !== 'get' &&
        r.verb !== 'list' &&
        r.verb !== 'watch' &&
        r.resource === 'postgresqlinstances',
    );
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every(r => r.impersonatedUser === 'alice')).toBe(true);

    const retry = await t.call('alice', 'post', `${pathOf(ref)}/retry`, {});
    expect(retry.status).toBe(409);
    expect(retry.body.error.message).toMatch(/nothing to retry/);

    const twice = await t.call('alice', 'post', `${pathOf(ref)}/provision`, {
      spec: spec(),
      component: 'component:default/checkout-service',
    });
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toMatch(/already provisioned/);
  });

  it('waits for the approvers the policy names, and only they may decide', async () => {
    const ref = bucket('assets');
    const accepted = await t.call('alice', 'post', `${pathOf(ref)}/provision`, {
      requestId: 'assets-1',
      spec: { parameters: { versioning: true } },
      owner: 'group:default/team-alpha',
    });
    expect(accepted.status).toBe(202);
    const waiting = await resourceWhen(
      ref,
      'the approval wait',
      b => b.phase === 'AwaitingApproval',
    );
    expect(waiting.pendingApproval).toMatchObject({
      requestId: 'assets-1',
      operation: 'provision',
      requestedBy: 'user:default/alice',
      approvers: ['group:default/platform-team'],
    });

    const pending = async (user: 'alice' | 'bob' | 'pat') =>
      (await t.call(user, 'get', `${API}/approvals`)).body.items.map(
        (i: any) => i.ref.name,
      );
    await t.waitFor('the approval listed for pat', async () =>
      (await pending('pat')).includes('assets'),
    );
    expect(await pending('alice')).toEqual([]);
    expect(await pending('bob')).toEqual([]);

    const decide = (
      user: 'alice' | 'bob' | 'pat',
      approved: boolean,
      requestId = 'assets-1',
    ) =>
      t.call(user, 'post', `${pathOf(ref)}/approval`, {
        requestId,
        approved,
        comment: 'ok',
      });
    const self = await decide('alice', true);
    expect(self.status).toBe(403);
    expect(self.body.error.message).toMatch(
      /cannot be approved or rejected by the person who made it/,
    );
    expect((await decide('bob', true)).status).toBe(403);
    const wrong = await decide('pat', true, 'not-this-one');
    expect(wrong.status).toBe(409);
    expect(wrong.body.error.message).toMatch(/request assets-1 is/);

    const approved = await decide('pat', true);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      requestId: 'assets-1',
      firstTime: true,
    });
    const ready = await resourceWhen(
      ref,
      'the bucket Ready',
      b => b.phase === 'Ready',
    );
    expect(ready.pendingApproval).toBeUndefined();
    const history = await t.call('alice', 'get', `${pathOf(ref)}/history`);
    expect(
      history.body.items
        .filter((i: any) => i.source === 'audit')
        .map((i: any) => `${i.what}:${i.outcome}:${i.actor}`),
    ).toEqual([
      'provision:succeeded:user:default/alice',
      'approval:failed:user:default/alice',
      'approval:failed:user:default/bob',
      'approval:failed:user:default/pat',
      'approval:succeeded:user:default/pat',
    ]);
    expect(
      t.signals.some(s => (s.message as any).phase === 'AwaitingApproval'),
    ).toBe(true);
  });

  it("deprovisions for the owner, and then serves the deleted resource's history", async () => {
    const ref = postgres('payments-db');
    expect(
      (await t.call('bob', 'post', `${pathOf(ref)}/deprovision`, {})).status,
    ).toBe(403);
    expect(
      (await t.call('guest', 'post', `${pathOf(ref)}/deprovision`, {})).status,
    ).toBe(403);
    const res = await t.call('alice', 'post', `${pathOf(ref)}/deprovision`, {
      requestId: 'payments-db-gone',
    });
    expect(res.status).toBe(202);
    const gone = await resourceWhen(
      ref,
      'payments-db Deleted',
      b => b.phase === 'Deleted',
    );
    expect(gone.conditions).toEqual([]);
    const tree = await t.call('alice', 'get', `${pathOf(ref)}/tree`);
    expect(tree.body.resource).toBeUndefined();
    // Deleted is final: another deprovision finds no running workflow.
    const again = await t.call(
      'alice',
      'post',
      `${pathOf(ref)}/deprovision`,
      {},
    );
    expect([404, 409]).toContain(again.status);
  });

  it('serves the typed client of the common package, whose errors carry the status and message', async () => {
    const { port } = (t.server as Server).address() as AddressInfo;
    const client = new CrossplaneTemporalClient({
      discoveryApi: {
        getBaseUrl: async () => `http://127.0.0.1:${port}${API}`,
      },
    });
    const token = mockCredentials.user.token('user:default/alice');
    const page = await client.listResources(
      { owner: 'group:default/team-alpha', limit: 10 },
      { token },
    );
    expect(page.items.map(i => i.ref.name)).toContain('orders-db');
    const phase = await client.getPhase(postgres('orders-db'), { token });
    expect(phase.phase).toBe('Ready');
    const kinds = await client.listRequestableKinds(
      { cluster: 'local' },
      { token },
    );
    expect(kinds.items.map(k => k.kind)).toContain('Queue');
    const refused = await client
      .update(
        postgres('orders-db'),
        { spec: { parameters: { size: 'huge' } } },
        { token },
      )
      .catch(e => e);
    expect(ResponseError.is(refused)).toBe(true);
    expect(refused.statusCode).toBe(400);
    expect(refused.body.error.message).toMatch(
      /spec.parameters.size must be one of/,
    );
  });

  /** What the cluster simulator was asked to change about a kind since `sinceSeq`. */
  const changesTo = async (resource: string, sinceSeq: number) =>
    (await t.cluster.sim.admin.audit({ sinceSeq })).records.filter(
      r =>
        r.verb !== 'get' &&
        r.verb !== 'list' &&
        r.verb !== 'watch' &&
        r.resource === resource,
    );

  /** Whether Temporal has any workflow with this ID. */
  const workflowExists = async (workflowId: string) => {
    const connection = await Connection.connect({
      address: t.temporal.address,
    });
    try {
      await new Client({ connection }).workflow
        .getHandle(workflowId)
        .describe();
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    } finally {
      await connection.close();
    }
  };

  const kindsCached = () =>
    t.waitFor('the XRDs in the cache', async () => {
      const res = await t.call('alice', 'get', `${API}/kinds`);
      return res.body.items?.length >= 3 ? res.body : undefined;
    });

  it('dry-runs a provision as the requester: answers the object, writes nothing, starts no workflow', async () => {
    await kindsCached();
    const ref = postgres('dry-db');
    const { lastSeq } = await t.cluster.sim.admin.audit();
    const res = await t.call(
      'alice',
      'post',
      `${pathOf(ref)}/provision/dry-run`,
      {
        spec: spec(),
        component: 'component:default/checkout-service',
        labels: { tier: 'gold' },
      },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      operation: 'provision',
      ref,
      workflowId: resourceWorkflowId(ref),
      object: {
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: expect.objectContaining({
          name: 'dry-db',
          namespace: 'team-alpha',
          labels: expect.objectContaining({
            tier: 'gold',
            [MANAGED_BY_LABEL]: expect.any(String),
          }),
          annotations: expect.objectContaining({
            [REQUESTED_BY_ANNOTATION]: 'user:default/alice',
            [OWNER_ANNOTATION]: 'group:default/team-alpha',
          }),
        }),
        // As the cluster would hold it: the XRD schema's defaults filled in.
        spec: {
          ...spec(),
          parameters: {
            size: 'small',
            region: 'eu-west-1',
            storageGB: 20,
            version: '16',
          },
        },
      },
      composed: [],
      approvalRequired: false,
    });

    // The cluster was asked once, as alice and her groups, for a dry run only.
    const asked = await changesTo('postgresqlinstances', lastSeq);
    expect(asked.length).toBeGreaterThan(0);
    expect(
      asked.map(r => ({
        dryRun: r.dryRun,
        user: r.impersonatedUser,
        groups: r.impersonatedGroups,
      })),
    ).toEqual(
      asked.map(() => ({
        dryRun: true,
        user: 'alice',
        groups: ['team-alpha'],
      })),
    );
    expect(await workflowExists(resourceWorkflowId(ref))).toBe(false);
    expect((await t.call('alice', 'get', pathOf(ref))).status).toBe(404);
    expect(
      t.audited.find(e => e.eventId === 'resource-provision-dry-run'),
    ).toMatchObject({
      outcome: 'success',
      meta: expect.objectContaining({ actor: 'user:default/alice' }),
    });

    // The policy's approval shows in the answer.
    const gated = await t.call(
      'alice',
      'post',
      `${pathOf(bucket('dry-assets'))}/provision/dry-run`,
      {
        spec: { parameters: { versioning: true } },
        owner: 'group:default/team-alpha',
      },
    );
    expect(gated.status).toBe(200);
    expect(gated.body.approvalRequired).toBe(true);
  });

  it('refuses a dry run as it refuses the request: a namespace not yours is 403, a spec outside the schema 400', async () => {
    await kindsCached();
    const { lastSeq } = await t.cluster.sim.admin.audit();
    const theirs = postgres('not-bobs-db');
    const asBob = {
      spec: spec(),
      owner: 'group:default/team-beta',
    };
    const real = await t.call(
      'bob',
      'post',
      `${pathOf(theirs)}/provision`,
      asBob,
    );
    const dry = await t.call(
      'bob',
      'post',
      `${pathOf(theirs)}/provision/dry-run`,
      asBob,
    );
    expect(real.status).toBe(403);
    expect(dry.status).toBe(403);
    expect(dry.body.error.message).toBe(real.body.error.message);
    expect(dry.body.error.message).toMatch(
      /namespace team-alpha of cluster local is not one your groups may use/,
    );

    const wrong = {
      spec: { parameters: { size: 'huge' } },
      component: 'component:default/checkout-service',
    };
    const badReal = await t.call(
      'alice',
      'post',
      `${pathOf(postgres('huge-db'))}/provision`,
      wrong,
    );
    const badDry = await t.call(
      'alice',
      'post',
      `${pathOf(postgres('huge-db'))}/provision/dry-run`,
      wrong,
    );
    expect(badDry.status).toBe(400);
    expect(badDry.body.error.message).toBe(badReal.body.error.message);
    expect(badDry.body.error.message).toMatch(
      /spec.parameters.size must be one of/,
    );
    expect(await changesTo('postgresqlinstances', lastSeq)).toEqual([]);
  });

  it('dry-runs an update and a deprovision of a resource without changing it', async () => {
    const ref = postgres('dry-run-target-db');
    const provisioned = await t.call(
      'alice',
      'post',
      `${pathOf(ref)}/provision`,
      { spec: spec(), component: 'component:default/checkout-service' },
    );
    expect(provisioned.status).toBe(202);
    const ready = await resourceWhen(
      ref,
      'dry-run-target-db Ready',
      b => b.phase === 'Ready',
    );
    const tree = await t.waitFor(
      'the composite and its managed resources in the cluster cache',
      async () => {
        const res = await t.call('alice', 'get', `${pathOf(ref)}/tree`);
        return res.body.managed.length === 2 ? res.body : undefined;
      },
    );
    const { lastSeq } = await t.cluster.sim.admin.audit();

    const update = await t.call(
      'alice',
      'post',
      `${pathOf(ref)}/update/dry-run`,
      { spec: spec('medium') },
    );
    expect(update.status).toBe(200);
    expect(update.body.operation).toBe('update');
    expect(update.body.object.spec.parameters.size).toBe('medium');
    // The composite and its managed resources, as the cache holds them.
    expect(update.body.composed.map((c: any) => c.kind).sort()).toEqual(
      ['DatabaseInstance', 'Network', tree.composite.kind].sort(),
    );

    const deprovision = await t.call(
      'alice',
      'post',
      `${pathOf(ref)}/deprovision/dry-run`,
      {},
    );
    expect(deprovision.status).toBe(200);
    expect(deprovision.body.object.metadata.name).toBe(ref.name);
    expect(deprovision.body.composed).toEqual(update.body.composed);
    expect(
      (await t.call('bob', 'post', `${pathOf(ref)}/deprovision/dry-run`, {}))
        .status,
    ).toBe(403);

    const asked = await changesTo('postgresqlinstances', lastSeq);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every(r => r.dryRun && r.impersonatedUser === 'alice')).toBe(
      true,
    );
    const after = await t.call('alice', 'get', pathOf(ref));
    expect(after.body.phase).toBe('Ready');
    expect(after.body.lastGoodSpec).toEqual(ready.lastGoodSpec);
  });

  it('answers 404 for a resource nobody provisioned', async () => {
    const res = await t.call('alice', 'get', pathOf(postgres('never-db')));
    expect(res.status).toBe(404);
    expect(res.body.error.message).toMatch(/provision it first/);
    expect(
      (
        await t.call(
          'alice',
          'post',
          `${pathOf(postgres('never-db'))}/update`,
          { spec: spec() },
        )
      ).status,
    ).toBe(404);
  });
});
