/*
 * The cluster clients against the cluster simulator: server-side apply as the requesting user,
 * tenancy, validation, and credentials that expire and rotate.
 */
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import { startKubeSim, type KubeSim } from '@crossplane-temporal/kube-sim';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClusterClients } from '.';
import { ClusterRequestError } from './errors';

const BACKSTAGE = 'system:serviceaccount:crossplane-system:backstage';
const alice = { user: 'alice', groups: ['team-alpha', 'system:authenticated'] };

const claim = (name: string, namespace: string, size = 'small') => ({
  apiVersion: 'database.example.org/v1alpha1',
  kind: 'PostgreSQLInstance',
  metadata: { name, namespace },
  spec: { parameters: { size } },
});

async function failure(
  promise: Promise<unknown>,
): Promise<ClusterRequestError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ClusterRequestError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

describe('cluster clients', () => {
  let sim: KubeSim;
  let dir: string;
  let tokenFile: string;

  const clientsWith = (auth: JsonObject) =>
    createClusterClients({
      config: new ConfigReader({
        crossplaneTemporal: {
          clusters: [
            { name: 'local', url: sim.url, skipTLSVerify: true, auth },
          ],
        },
      }),
      logger: mockServices.logger.mock(),
    });

  /**
   * Reads with `clients`, then rotates the backend's token (`putToken` puts the new one where the
   * client finds it) and expires the old one, and reads again: the codes the server answered it.
   */
  async function codesAfterRotation(
    clients: ReturnType<typeof createClusterClients>,
    newToken: string,
    putToken: (token: string) => void,
  ) {
    const ref = { apiVersion: 'v1', kind: 'Namespace', name: 'team-alpha' };
    expect(await clients.get('local').get(ref)).toBeDefined();
    await sim.admin.addToken(newToken, BACKSTAGE, ['system:serviceaccounts']);
    putToken(newToken);
    await sim.admin.expireToken(BACKSTAGE);
    const { lastSeq } = await sim.admin.audit();
    try {
      expect(await clients.get('local').get(ref)).toBeDefined();
      const { records } = await sim.admin.audit({
        sinceSeq: lastSeq,
        resource: 'namespaces',
      });
      return records.map(r => r.code);
    } finally {
      await sim.admin.expireToken(BACKSTAGE, null);
      await clients.close();
    }
  }

  beforeAll(async () => {
    sim = await startKubeSim({ providerDelayMs: 20 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-clients-'));
    tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, sim.tokenFor(BACKSTAGE));
  });

  afterAll(async () => {
    await sim?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('applies as the requesting user, with each of their groups on its own header line', async () => {
    const clients = clientsWith({ type: 'serviceAccountToken', tokenFile });
    const { lastSeq } = await sim.admin.audit();
    const stored = await clients
      .get('local')
      .apply(claim('orders-db', 'team-alpha'), {
        fieldManager: 'crossplane-temporal',
        as: alice,
      });
    expect(stored.metadata.uid).toBeTruthy();
    expect(stored.spec).toMatchObject({
      parameters: { size: 'small', version: '16' },
    });

    const { records } = await sim.admin.audit({
      sinceSeq: lastSeq,
      name: 'orders-db',
    });
    expect(records).toEqual([
      expect.objectContaining({
        user: BACKSTAGE,
        impersonatedUser: 'alice',
        impersonatedGroups: ['team-alpha', 'system:authenticated'],
        verb: 'patch',
        code: 201,
      }),
    ]);
    const read = await clients.get('local').get({
      apiVersion: 'database.example.org/v1alpha1',
      kind: 'PostgreSQLInstance',
      namespace: 'team-alpha',
      name: 'orders-db',
    });
    expect(read?.metadata.managedFields?.map(f => f.manager)).toContain(
      'crossplane-temporal',
    );
    await clients.close();
  });

  it('authenticates with the current context of a kubeconfig, and reads it again when the server refuses its token', async () => {
    const file = path.join(dir, 'backstage.kubeconfig');
    const kubeconfig = sim.kubeconfigFor(BACKSTAGE);
    fs.writeFileSync(file, kubeconfig);
    const clients = createClusterClients({
      config: new ConfigReader({
        crossplaneTemporal: {
          clusters: [
            { name: 'local', auth: { type: 'kubeconfig', path: file } },
          ],
        },
      }),
      logger: mockServices.logger.mock(),
    });
    // The token in the kubeconfig is rotated.
    expect(
      await codesAfterRotation(clients, 'rotated-kubeconfig-token', token =>
        fs.writeFileSync(
          file,
          kubeconfig.replace(sim.tokenFor(BACKSTAGE), token),
        ),
      ),
    ).toEqual([401, 200]);
  });

  it("refuses a write in another tenant's namespace as Forbidden, with the server's reason", async () => {
    const clients = clientsWith({ type: 'serviceAccountToken', tokenFile });
    const error = await failure(
      clients.get('local').apply(claim('sneaky', 'team-beta'), {
        fieldManager: 'crossplane-temporal',
        as: alice,
      }),
    );
    expect(error.reason).toBe('Forbidden');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(
      'User "alice" cannot patch resource "postgresqlinstances"',
    );
    await clients.close();
  });

  it('reports an invalid spec with the field, and a dry run writes nothing', async () => {
    const clients = clientsWith({ type: 'serviceAccountToken', tokenFile });
    const local = clients.get('local');
    const invalid = await failure(
      local.apply(claim('bad-db', 'team-alpha', 'huge'), {
        fieldManager: 'crossplane-temporal',
        as: alice,
      }),
    );
    expect(invalid.reason).toBe('Invalid');
    expect(invalid.message).toContain('spec.parameters.size');

    await local.apply(claim('dry-db', 'team-alpha'), {
      fieldManager: 'crossplane-temporal',
      dryRun: true,
      as: alice,
    });
    expect(
      await local.get({
        apiVersion: 'database.example.org/v1alpha1',
        kind: 'PostgreSQLInstance',
        namespace: 'team-alpha',
        name: 'dry-db',
      }),
    ).toBeUndefined();
    expect(
      await local.delete(
        {
          apiVersion: 'database.example.org/v1alpha1',
          kind: 'PostgreSQLInstance',
          namespace: 'team-alpha',
          name: 'dry-db',
        },
        { as: alice },
      ),
    ).toBe('notFound');
    await clients.close();
  });

  it('runs an exec credential plugin again when the server refuses its token, and retries once', async () => {
    const current = path.join(dir, 'exec-token');
    fs.writeFileSync(current, sim.tokenFor(BACKSTAGE));
    const plugin = path.join(dir, 'credential-plugin.js');
    fs.writeFileSync(
      plugin,
      `const token = require('fs').readFileSync(${JSON.stringify(
        current,
      )}, 'utf8');
       process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token } }));`,
    );
    const clients = clientsWith({
      type: 'exec',
      command: process.execPath,
      args: [plugin],
    });
    // The identity provider rotates the token.
    expect(
      await codesAfterRotation(clients, 'rotated-backstage-token', token =>
        fs.writeFileSync(current, token),
      ),
    ).toEqual([401, 200]);
  });

  it('says which exec credential plugin failed and why, without any token', async () => {
    const plugin = path.join(dir, 'failing-plugin.js');
    fs.writeFileSync(
      plugin,
      `process.stderr.write('login required: run idp-login first\\n'); process.exit(3);`,
    );
    const clients = clientsWith({
      type: 'exec',
      command: process.execPath,
      args: [plugin],
    });
    const error = await failure(
      clients
        .get('local')
        .get({ apiVersion: 'v1', kind: 'Namespace', name: 'team-alpha' }),
    );
    expect(error.reason).toBe('Unauthorized');
    expect(error.message).toContain('login required: run idp-login first');
    await clients.close();
  });

  it('names the configured clusters when asked for an unknown one', () => {
    const clients = clientsWith({ type: 'serviceAccountToken', tokenFile });
    expect(() => clients.get('prod')).toThrow(
      "no cluster named 'prod' in crossplaneTemporal.clusters; configured: local",
    );
  });
});
