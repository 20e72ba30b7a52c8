import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import net from 'node:net';
import { startFakeApi } from './__testUtils__/startFakeApi';
import { DefaultCrossplaneTemporalService } from './DefaultCrossplaneTemporalService';
import { SAMPLE_RESOURCE_REF as ref } from './testUtils';

// Each test starts a backend: seconds on a busy machine, well inside this budget.
jest.setTimeout(60_000);

const alice = { credentials: mockCredentials.user('user:default/alice') };
const spec = { parameters: { storageGB: 20 } };

describe('DefaultCrossplaneTemporalService', () => {
  let started: Awaited<ReturnType<typeof startFakeApi>>;

  beforeEach(async () => {
    started = await startFakeApi();
  });
  afterEach(async () => {
    await started.backend.stop();
  });

  it("provisions with the caller's credentials, not the calling plugin's", async () => {
    const answer = await started.api.provision(
      ref,
      { spec, requestId: 'req-1' },
      alice,
    );
    expect(answer).toMatchObject({
      requestId: 'req-1',
      firstTime: true,
      ref,
    });
    expect(started.fake.calls).toEqual([
      expect.objectContaining({
        method: 'POST',
        principal: 'user:default/alice',
        body: { spec, requestId: 'req-1' },
        status: 202,
      }),
    ]);
  });

  it('sends a repeated request ID once: the second call answers the first outcome', async () => {
    await started.api.provision(ref, { spec, requestId: 'req-1' }, alice);
    const again = await started.api.provision(
      ref,
      { spec, requestId: 'req-1' },
      alice,
    );
    expect(again.firstTime).toBe(false);
    expect(started.fake.acceptedWrites()).toHaveLength(1);
  });

  it("passes a service's own credentials on as a service's, which the API refuses for changes", async () => {
    const error = await started.api
      .provision(ref, { spec }, { credentials: mockCredentials.service() })
      .catch(e => e);
    expect(error).toBeInstanceOf(NotAllowedError);
    expect(error.message).toMatch(/made on behalf of a user/);
    expect(started.fake.calls[0].principal).toMatch(/^service:/);
    expect(started.fake.acceptedWrites()).toEqual([]);
  });

  it('turns each refusal into the @backstage/errors error of its status, with the backend message', async () => {
    await started.api.provision(ref, { spec }, alice);

    const conflict = await started.api
      .provision(ref, { spec }, alice)
      .catch(e => e);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(conflict.message).toBe(
      'PostgreSQLInstance team-alpha/orders-db is already provisioned (phase Pending); update it instead',
    );

    const missing = await started.api
      .getPhase({ ...ref, name: 'nothing-here' }, alice)
      .catch(e => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.message).toMatch(/nothing-here on local does not exist/);

    const forbidden = await started.api
      .provision({ ...ref, namespace: 'team-gamma' }, { spec }, alice)
      .catch(e => e);
    expect(forbidden).toBeInstanceOf(NotAllowedError);
    expect(forbidden.message).toMatch(
      /may not use namespace 'team-gamma'.*team-alpha, team-beta/,
    );

    // The document refuses fields it does not describe.
    const unknownField = await started.api
      .provision(ref, { spec, impersonate: 'pat' } as any, alice)
      .catch(e => e);
    expect(unknownField).toBeInstanceOf(InputError);
    expect(unknownField.message).toBe(
      'request/body must NOT have additional properties',
    );

    const tooLarge = await started.api
      .update(ref, { spec: { blob: 'x'.repeat(300 * 1024) } }, alice)
      .catch(e => e);
    expect(tooLarge).toBeInstanceOf(InputError);
    expect(tooLarge.message).toMatch(/too large/i);

    expect(started.fake.acceptedWrites()).toHaveLength(1);
  });

  it('answers a dry run with the object and what it would compose, writing nothing', async () => {
    const answer = await started.api.dryRun(
      'provision',
      ref,
      { spec, component: 'component:default/checkout-service' },
      alice,
    );
    expect(answer).toMatchObject({
      operation: 'provision',
      ref,
      object: {
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { name: 'orders-db', namespace: 'team-alpha' },
        spec,
      },
      composed: [
        expect.objectContaining({ kind: 'Database' }),
        expect.objectContaining({ kind: 'User' }),
      ],
      approvalRequired: false,
    });
    expect(started.fake.acceptedWrites()).toEqual([]);
    await expect(started.api.getPhase(ref, alice)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('reads phases, the resource, lists and kinds', async () => {
    await started.api.provision(ref, { spec }, alice);
    const phases = [];
    for (let i = 0; i < 5; i++) {
      phases.push((await started.api.getPhase(ref, alice)).phase);
    }
    expect(phases).toEqual([
      'Pending',
      'Validating',
      'Applying',
      'WaitingForReady',
      'Ready',
    ]);
    const resource = await started.api.getResource(ref, alice);
    expect(resource).toMatchObject({
      phase: 'Ready',
      desiredSpec: spec,
      policy: { readyTimeoutSeconds: 600 },
    });
    const steps = await started.api.getSteps(ref, alice);
    expect(steps.items.map(s => s.step)).toContain('Ready');
    const list = await started.api.listResources(
      { namespace: 'team-alpha' },
      alice,
    );
    expect(list.items.map(i => i.ref.name)).toEqual(['orders-db']);
    const kinds = await started.api.listRequestableKinds({}, alice);
    expect(kinds.items.map(k => k.kind)).toEqual(['PostgreSQLInstance']);
    expect(
      started.fake.calls.every(c => c.principal === 'user:default/alice'),
    ).toBe(true);
  });
});

describe('DefaultCrossplaneTemporalService without a backend', () => {
  it('says the backend could not be reached, as a ServiceUnavailableError', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>(resolve => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as net.AddressInfo;
        server.close(() => resolve(free));
      });
    });
    const service = new DefaultCrossplaneTemporalService({
      discovery: {
        getBaseUrl: async id => `http://127.0.0.1:${port}/api/${id}`,
        getExternalBaseUrl: async id => `http://127.0.0.1:${port}/api/${id}`,
      },
      auth: mockServices.auth(),
    });
    const error = await service.provision(ref, { spec }, alice).catch(e => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error.message).toMatch(
      /could not be reached at http:\/\/127\.0\.0\.1:\d+\/api\/crossplane-temporal .*nothing was done, try again/,
    );
  });
});
