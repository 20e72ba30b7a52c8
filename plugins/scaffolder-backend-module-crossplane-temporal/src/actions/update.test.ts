import {
  contextFor,
  infoLines,
  outputsOf,
} from '../__testUtils__/actionContext';
import { ref, spec, startFakeApi, testPolling } from '../__testUtils__/fakeApi';
import { createUpdateAction } from './update';

// Each test starts a backend: seconds on a busy machine, well inside this budget.
jest.setTimeout(60_000);

describe('crossplane:resource:update', () => {
  let started: Awaited<ReturnType<typeof startFakeApi>>;
  const action = () =>
    createUpdateAction({
      api: started.api,
      appBaseUrl: 'http://localhost:3000',
      entityNamespace: 'default',
      polling: testPolling,
    });

  beforeEach(async () => {
    started = await startFakeApi({ provisionPhases: ['Pending', 'Ready'] });
    const credentials = await contextFor({}).ctx.getInitiatorCredentials();
    await started.api.provision(ref, { spec }, { credentials });
    await started.api.getPhase(ref, { credentials }); // Pending, then Ready
  });
  afterEach(async () => {
    await started.backend.stop();
  });

  const bigger = { parameters: { storageGB: 50 } };

  it('sends the new spec as the initiator, once, and says where to follow it', async () => {
    const { ctx, logger } = contextFor({ ...ref, spec: bigger });
    await action().handler(ctx);
    const updates = started.fake
      .acceptedWrites()
      .filter(c => c.path.endsWith('/update'));
    expect(updates).toEqual([
      expect.objectContaining({
        principal: 'user:default/alice',
        body: {
          spec: bigger,
          requestId: expect.stringMatching(/^scaffolder-/),
        },
      }),
    ]);
    expect(outputsOf(ctx)).toEqual({
      workflowId: expect.any(String),
      requestId: updates[0].body && (updates[0].body as any).requestId,
      entityRef:
        'resource:default/orders-db.postgresqlinstance.team-alpha.local',
      entityPageUrl:
        'http://localhost:3000/catalog/default/resource/orders-db.postgresqlinstance.team-alpha.local',
    });
    expect(infoLines(logger).join('\n')).toMatch(
      /change to PostgreSQLInstance team-alpha\/orders-db was accepted .* follow it at http/,
    );
  });

  it('reports a dry run of the change and writes nothing', async () => {
    const { ctx, logger } = contextFor(
      { ...ref, spec: bigger },
      { isDryRun: true },
    );
    await action().handler(ctx);
    expect(
      started.fake.acceptedWrites().filter(c => c.path.endsWith('/update')),
    ).toEqual([]);
    expect(infoLines(logger).join('\n')).toContain('"storageGB": 50');
    expect(outputsOf(ctx).requestId).toBe('dry-run');
  });

  it('refuses a resource that does not exist with the API message', async () => {
    const { ctx } = contextFor({ ...ref, name: 'other-db', spec: bigger });
    await expect(action().handler(ctx)).rejects.toThrow(
      'PostgreSQLInstance team-alpha/other-db on local does not exist',
    );
  });
});
