/*
 * While Temporal cannot be reached, the API keeps serving: requests that need a workflow are
 * answered 503 with what to do, nothing is written, and reads answer from what the caches hold.
 */
import type { ResourceRef } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { unusedPort } from '../__testUtils__/unusedPort';
import {
  API,
  pathOf,
  startApiTestBackend,
  type ApiTestBackend,
} from '../__testUtils__/apiTestBackend';

jest.setTimeout(120_000);

const ref: ResourceRef = {
  cluster: 'local',
  apiVersion: 'database.example.org/v1alpha1',
  kind: 'PostgreSQLInstance',
  namespace: 'team-alpha',
  name: 'offline-db',
};

describe('REST API while Temporal is unreachable', () => {
  let t: ApiTestBackend;

  beforeAll(async () => {
    t = await startApiTestBackend({
      temporalAddress: `127.0.0.1:${await unusedPort()}`,
      config: { api: { requestTimeoutSeconds: 5 } },
    });
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('answers requests 503 saying to try again, and writes nothing', async () => {
    await t.waitFor('the XRDs in the cache', async () => {
      const res = await t.call('alice', 'get', `${API}/kinds`);
      return res.body.items.length > 0;
    });
    const { lastSeq } = await t.cluster.sim.admin.audit();
    const res = await t.call('alice', 'post', `${pathOf(ref)}/provision`, {
      requestId: 'offline-1',
      spec: { parameters: { size: 'small' } },
      component: 'component:default/checkout-service',
    });
    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(
      /Temporal cannot be reached now; nothing was done\. Try again shortly|same requestId/,
    );
    const writes = (
      await t.cluster.sim.admin.audit({ sinceSeq: lastSeq })
    ).records.filter(r => !['get', 'list', 'watch'].includes(r.verb));
    expect(writes).toEqual([]);
    // Reads answer from the caches, which know of no workflow yet.
    expect(
      (await t.call('alice', 'get', `${API}/resources`)).body.items,
    ).toEqual([]);
    expect((await t.call('alice', 'get', pathOf(ref))).status).toBe(404);
    expect(t.audited).toContainEqual(
      expect.objectContaining({
        eventId: 'resource-provision',
        outcome: 'fail',
      }),
    );
  });
});
