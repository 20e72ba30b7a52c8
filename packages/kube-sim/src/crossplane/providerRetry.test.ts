/*
 * The simulated provider tries a managed resource it failed to create again, with backoff, as
 * Crossplane's managed reconciler requeues errors: once the cause is gone the resource becomes
 * Ready without anyone touching it.
 */
import { clientsFor, waitFor } from '../__testUtils__/clients';
import { startKubeSim, type KubeSim } from '../startKubeSim';

jest.setTimeout(30_000);

const CLAIMS =
  '/apis/database.example.org/v1alpha1/namespaces/team-alpha/postgresqlinstances';

describe('simulated provider retries', () => {
  let sim: KubeSim;

  beforeAll(async () => {
    sim = await startKubeSim({ providerDelayMs: 20 });
  });

  afterAll(async () => {
    await sim?.stop();
  });

  it('creates a refused managed resource once the refusal is gone, with no change to it', async () => {
    await sim.admin.configureProvider({
      failures: [
        {
          kind: 'DatabaseInstance',
          namePattern: '^recovering-',
          message: 'no capacity in eu-west-1a',
        },
      ],
    });
    const alice = clientsFor(sim, 'alice');
    const pat = clientsFor(sim, 'pat');
    try {
      await alice.objects.create({
        apiVersion: 'database.example.org/v1alpha1',
        kind: 'PostgreSQLInstance',
        metadata: { name: 'recovering', namespace: 'team-alpha' },
        spec: { parameters: { size: 'small' } },
      });
      const refused = await waitFor(
        pat.kc,
        '/apis/sim.crossplane.io/v1alpha1/databaseinstances',
        (_type, object) =>
          object.metadata.name.startsWith('recovering-') &&
          (object.status?.conditions ?? []).some(
            (c: any) => c.type === 'Synced' && c.status === 'False',
          ),
      );
      // The cause goes away; nothing about the resource changes.
      await sim.admin.configureProvider({ failures: [] });
      const recovered = await waitFor(
        pat.kc,
        '/apis/sim.crossplane.io/v1alpha1/databaseinstances',
        (_type, object) =>
          object.metadata.name === refused.metadata.name &&
          (object.status?.conditions ?? []).some(
            (c: any) => c.type === 'Ready' && c.status === 'True',
          ),
        10_000,
        refused.metadata.resourceVersion,
      );
      expect(recovered.metadata.generation).toBe(refused.metadata.generation);
      await waitFor(alice.kc, CLAIMS, (_type, object) =>
        (object.status?.conditions ?? []).some(
          (c: any) => c.type === 'Ready' && c.status === 'True',
        ),
      );
    } finally {
      await sim.admin.configureProvider({ failures: [] });
    }
  });
});
