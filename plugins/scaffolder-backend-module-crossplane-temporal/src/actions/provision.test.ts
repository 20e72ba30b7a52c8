import { mockServices } from '@backstage/backend-test-utils';
import { DefaultCrossplaneTemporalService } from '@crossplane-temporal/plugin-crossplane-temporal-node';
import type { AddressInfo } from 'node:net';
import {
  contextFor,
  infoLines,
  outputsOf,
} from '../__testUtils__/actionContext';
import { ref, spec, startFakeApi, testPolling } from '../__testUtils__/fakeApi';
import { createProvisionAction } from './provision';

// Each test starts a backend: seconds on a busy machine, well inside this budget.
jest.setTimeout(60_000);

/** A task's checkpoints as the task runner keeps them: a value once stored is returned again. */
function checkpointStore(initial: Record<string, any> = {}) {
  const values: Record<string, any> = { ...initial };
  return {
    values,
    async checkpoint<T>(opts: { key: string; fn: () => Promise<T> | T }) {
      if (!(opts.key in values)) values[opts.key] = await opts.fn();
      return values[opts.key] as T;
    },
  };
}

const input = {
  ...ref,
  owner: 'group:default/team-alpha',
  component: 'component:default/checkout-service',
  spec,
};

describe('crossplane:resource:provision', () => {
  let started: Awaited<ReturnType<typeof startFakeApi>>;
  const action = () =>
    createProvisionAction({
      api: started.api,
      appBaseUrl: 'http://localhost:3000',
      entityNamespace: 'default',
      polling: testPolling,
    });

  afterEach(async () => {
    await started?.backend.stop();
  });

  it('provisions as the initiator, logs each phase and gives the links once Ready', async () => {
    started = await startFakeApi();
    const { ctx, logger } = contextFor(input);
    await action().handler(ctx);

    expect(started.fake.acceptedWrites()).toEqual([
      expect.objectContaining({
        principal: 'user:default/alice',
        body: expect.objectContaining({
          spec,
          component: 'component:default/checkout-service',
          owner: 'group:default/team-alpha',
          requestId: expect.stringMatching(/^scaffolder-/),
        }),
      }),
    ]);
    const lines = infoLines(logger);
    expect(lines.filter(l => / \((.+)\)$/.test(l) && l.includes(': '))).toEqual(
      [
        expect.stringContaining('orders-db: Pending'),
        expect.stringContaining('orders-db: Validating'),
        expect.stringContaining('orders-db: Applying'),
        expect.stringContaining('orders-db: WaitingForReady'),
        'PostgreSQLInstance team-alpha/orders-db: Ready (Crossplane reports it Ready)',
      ],
    );
    const outputs = outputsOf(ctx);
    expect(outputs).toEqual({
      workflowId: expect.any(String),
      requestId: expect.stringMatching(/^scaffolder-/),
      phase: 'Ready',
      entityRef:
        'resource:default/orders-db.postgresqlinstance.team-alpha.local',
      entityPageUrl:
        'http://localhost:3000/catalog/default/resource/orders-db.postgresqlinstance.team-alpha.local',
      resourcesUrl:
        'http://localhost:3000/catalog/default/component/checkout-service/crossplane-resources',
    });
  });

  it('returns at once with the links when waitForReady is false', async () => {
    started = await startFakeApi();
    const { ctx } = contextFor({ ...input, waitForReady: false });
    await action().handler(ctx);
    expect(outputsOf(ctx)).toMatchObject({
      phase: 'Pending',
      entityPageUrl: expect.stringContaining('/catalog/default/resource/'),
    });
    expect(started.fake.calls.map(c => c.path.split('/').pop())).toEqual([
      'provision',
    ]);
  });

  it('keeps waiting while the backend does not list the resource yet', async () => {
    started = await startFakeApi({ unseenPhaseReads: 3 });
    const { ctx } = contextFor(input);
    await action().handler(ctx);
    const phaseReads = started.fake.calls.filter(c =>
      c.path.endsWith('/phase'),
    );
    expect(phaseReads.map(c => c.status).slice(0, 4)).toEqual([
      404, 404, 404, 200,
    ]);
    expect(outputsOf(ctx).phase).toBe('Ready');
  });

  it('keeps following the request while the backend cannot be reached for a moment', async () => {
    started = await startFakeApi();
    const { port } = started.backend.server.address() as AddressInfo;
    let refusals = 2;
    // The real service, whose phase reads find nothing listening twice (a backend restarting).
    const api = new DefaultCrossplaneTemporalService({
      discovery: {
        getBaseUrl: async id => `http://localhost:${port}/api/${id}`,
        getExternalBaseUrl: async id => `http://localhost:${port}/api/${id}`,
      },
      auth: mockServices.auth({ pluginId: 'scaffolder' }),
      fetch: async (url, init) => {
        if (String(url).endsWith('/phase') && refusals > 0) {
          refusals -= 1;
          throw new TypeError('fetch failed', {
            cause: new Error('connect ECONNREFUSED'),
          });
        }
        return fetch(url, init);
      },
    });
    const { ctx, logger } = contextFor(input);
    await createProvisionAction({
      api,
      appBaseUrl: 'http://localhost:3000',
      entityNamespace: 'default',
      polling: testPolling,
    }).handler(ctx);

    expect(refusals).toBe(0);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0][0]).toMatch(
      /Could not read the phase of PostgreSQLInstance team-alpha\/orders-db \(the crossplane-temporal backend could not be reached .*ECONNREFUSED.*\); still following it/,
    );
    expect(outputsOf(ctx).phase).toBe('Ready');
    expect(started.fake.acceptedWrites()).toHaveLength(1);
  });

  it('fails with the reason when the workflow does not reach Ready', async () => {
    started = await startFakeApi({
      provisionPhases: ['Pending', 'Validating', 'Failed'],
    });
    const { ctx } = contextFor(input);
    await expect(action().handler(ctx)).rejects.toThrow(
      /PostgreSQLInstance team-alpha\/orders-db was not provisioned: Failed\. Its history and a retry are at http:\/\/localhost:3000\/catalog\/default\/resource\/orders-db/,
    );
  });

  describe('a resumed task', () => {
    it('does not send the request again when the checkpoint holds the answer', async () => {
      started = await startFakeApi();
      const store = checkpointStore();
      await action().handler(contextFor(input, store).ctx);
      const callsBefore = started.fake.calls.length;

      // The task runs again from this step, as after a restart with task recovery.
      const { ctx } = contextFor(input, store);
      await action().handler(ctx);

      expect(started.fake.acceptedWrites()).toHaveLength(1);
      const again = started.fake.calls.slice(callsBefore);
      expect(again.filter(c => c.method === 'POST')).toEqual([]);
      expect(outputsOf(ctx).phase).toBe('Ready');
    });

    it('sends the same request ID when it stopped before the answer was kept, and the API does it once', async () => {
      started = await startFakeApi();
      const first = checkpointStore();
      await action().handler(
        contextFor({ ...input, waitForReady: false }, first).ctx,
      );
      const requestIdKey = 'crossplane-temporal.provision.requestId';
      // Only the request ID survived: the backend stopped before the answer was stored.
      const resumed = checkpointStore({
        [requestIdKey]: first.values[requestIdKey],
      });
      const { ctx } = contextFor(input, resumed);
      await action().handler(ctx);

      const provisions = started.fake.calls.filter(c =>
        c.path.endsWith('/provision'),
      );
      expect(provisions.map(c => [c.status, c.firstTime])).toEqual([
        [202, true],
        [202, false],
      ]);
      expect(provisions[1].body).toMatchObject({
        requestId: first.values[requestIdKey],
      });
      expect(started.fake.acceptedWrites()).toHaveLength(1);
      expect(outputsOf(ctx).phase).toBe('Ready');
    });
  });

  it('reports a dry run from the API and writes nothing', async () => {
    started = await startFakeApi();
    const { ctx, logger } = contextFor(input, { isDryRun: true });
    await action().handler(ctx);

    expect(started.fake.acceptedWrites()).toEqual([]);
    expect(
      started.fake.calls.map(c => c.path.split('/').slice(-2).join('/')),
    ).toEqual(['provision/dry-run']);
    const lines = infoLines(logger);
    expect(lines.join('\n')).toContain('"storageGB": 20');
    expect(lines).toContain(
      'The composition would make: Database (sql.example.org/v1alpha1) in team-alpha, User (sql.example.org/v1alpha1) in team-alpha',
    );
    expect(outputsOf(ctx)).toMatchObject({
      phase: 'DryRun',
      entityRef:
        'resource:default/orders-db.postgresqlinstance.team-alpha.local',
    });
  });

  it("passes the API's refusal on with its message", async () => {
    started = await startFakeApi();
    const { ctx } = contextFor({ ...input, namespace: 'team-gamma' });
    await expect(action().handler(ctx)).rejects.toThrow(
      "your groups may not use namespace 'team-gamma' on cluster 'local'; use one of: team-alpha, team-beta",
    );
    expect(started.fake.acceptedWrites()).toEqual([]);
  });
});
