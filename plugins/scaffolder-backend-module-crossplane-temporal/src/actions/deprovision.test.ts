import {
  contextFor,
  infoLines,
  outputsOf,
} from '../__testUtils__/actionContext';
import { ref, spec, startFakeApi, testPolling } from '../__testUtils__/fakeApi';
import { createDeprovisionAction } from './deprovision';

// Each test starts a backend: seconds on a busy machine, well inside this budget.
jest.setTimeout(60_000);

describe('crossplane:resource:deprovision', () => {
  let started: Awaited<ReturnType<typeof startFakeApi>>;
  const action = () =>
    createDeprovisionAction({
      api: started.api,
      appBaseUrl: 'http://localhost:3000',
      entityNamespace: 'default',
      polling: testPolling,
    });

  beforeEach(async () => {
    started = await startFakeApi();
    const credentials = await contextFor({}).ctx.getInitiatorCredentials();
    await started.api.provision(ref, { spec }, { credentials });
  });
  afterEach(async () => {
    await started.backend.stop();
  });

  it('asks for the deletion as the initiator, once even when the task resumes', async () => {
    const values: Record<string, any> = {};
    const checkpoint = async (opts: { key: string; fn: () => any }) => {
      if (!(opts.key in values)) values[opts.key] = await opts.fn();
      return values[opts.key];
    };
    const { ctx, logger } = contextFor(ref, { checkpoint });
    await action().handler(ctx);
    await action().handler(contextFor(ref, { checkpoint }).ctx);

    const deletions = started.fake.calls.filter(c =>
      c.path.endsWith('/deprovision'),
    );
    expect(deletions).toEqual([
      expect.objectContaining({ principal: 'user:default/alice', status: 202 }),
    ]);
    expect(started.fake.phaseOf(ref)).toBe('Deprovisioning');
    expect(outputsOf(ctx).entityRef).toBe(
      'resource:default/orders-db.postgresqlinstance.team-alpha.local',
    );
    expect(infoLines(logger).join('\n')).toMatch(
      /Deprovisioning .* was accepted/,
    );
  });

  it('reports in a dry run what would be deleted, deleting nothing', async () => {
    const { ctx, logger } = contextFor(ref, { isDryRun: true });
    await action().handler(ctx);
    expect(started.fake.phaseOf(ref)).toBe('Pending');
    expect(infoLines(logger)).toContain(
      'With it, these would be deleted: Database (sql.example.org/v1alpha1) in team-alpha, User (sql.example.org/v1alpha1) in team-alpha',
    );
  });
});
