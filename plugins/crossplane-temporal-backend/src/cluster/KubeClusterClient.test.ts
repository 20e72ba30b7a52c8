/*
 * The cluster clients against the cluster simulator: server-side apply as the requesting user
 * (or as the backend, when the cluster's config does not impersonate), tenancy, validation, and credentials that expire and rotate; over HTTPS, client certificates
 * and in-cluster service accounts.
 */
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import { startKubeSim, type KubeSim } from '@crossplane-temporal/kube-sim';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClusterClients } from '.';
import type { CredentialEnvironment } from './credentials';
import { ClusterRequestError } from './errors';

// The first kubeconfig read loads @kubernetes/client-node through Jest's transform (about 4 s on
// an idle machine, several times that on a busy one), and an HTTPS simulator makes its
// certificates as it starts.
jest.setTimeout(60_000);

const BACKSTAGE = 'system:serviceaccount:crossplane-system:backstage';
const alice = { user: 'alice', groups: ['team-alpha', 'system:authenticated'] };
const TEAM_ALPHA = { apiVersion: 'v1', kind: 'Namespace', name: 'team-alpha' };

/** How the audit log names a bound service account token. */
const credentialIdOf = (token: string) =>
  `JTI=${
    JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).jti
  }`;

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

  const clientsWith = (
    auth: JsonObject,
    environment?: CredentialEnvironment,
    cluster: JsonObject = {},
  ) =>
    createClusterClients({
      config: new ConfigReader({
        crossplaneTemporal: {
          clusters: [
            {
              name: 'local',
              url: sim.url,
              skipTLSVerify: true,
              auth,
              ...cluster,
            },
          ],
        },
      }),
      logger: mockServices.logger.mock(),
      environment,
    });

  /**
   * Reads team-alpha's namespace once per `read()` that `steps` makes: the code and the
   * credential the server audited for each.
   */
  async function credentialsUsed(
    clients: ReturnType<typeof createClusterClients>,
    steps: (read: () => Promise<void>) => Promise<void>,
  ) {
    const { lastSeq } = await sim.admin.audit();
    try {
      await steps(async () => {
        expect(await clients.get('local').get(TEAM_ALPHA)).toBeDefined();
      });
    } finally {
      await clients.close();
    }
    const { records } = await sim.admin.audit({
      sinceSeq: lastSeq,
      resource: 'namespaces',
    });
    return records.map(r => [r.code, r.credentialId]);
  }

  /**
   * Runs `use` with a simulator of its own: a test that expires the backend's token there leaves
   * the other tests' simulator alone, even when it fails or runs out of time half way.
   */
  async function withOwnSimulator<T>(use: (own: KubeSim) => Promise<T>) {
    const own = await startKubeSim({ providerDelayMs: 20 });
    try {
      return await use(own);
    } finally {
      await own.stop();
    }
  }

  /**
   * Reads with `clients`, then rotates the backend's token on `own` (`putToken` puts the new one
   * where the client finds it) and expires the old one, and reads again: the codes the server
   * answered it.
   */
  async function codesAfterRotation(
    own: KubeSim,
    clients: ReturnType<typeof createClusterClients>,
    newToken: string,
    putToken: (token: string) => void,
  ) {
    const ref = { apiVersion: 'v1', kind: 'Namespace', name: 'team-alpha' };
    try {
      expect(await clients.get('local').get(ref)).toBeDefined();
      await own.admin.addToken(newToken, BACKSTAGE, ['system:serviceaccounts']);
      putToken(newToken);
      await own.admin.expireToken(BACKSTAGE);
      const { lastSeq } = await own.admin.audit();
      expect(await clients.get('local').get(ref)).toBeDefined();
      const { records } = await own.admin.audit({
        sinceSeq: lastSeq,
        resource: 'namespaces',
      });
      return records.map(r => r.code);
    } finally {
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

  it('makes writes as the requesting user only when the cluster impersonates: by default and with impersonate: true, as the backend itself with impersonate: false', async () => {
    // A namespace where the backend's own identity may manage claims and alice may not: whose
    // RBAC decides shows in the answers as well as in the audit.
    await sim.admin.applyManifest({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-gamma' },
    });
    await sim.admin.applyManifest({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: {
        name: 'backstage-crossplane-tenant',
        namespace: 'team-gamma',
      },
      subjects: [
        {
          kind: 'ServiceAccount',
          name: 'backstage',
          namespace: 'crossplane-system',
        },
      ],
      roleRef: {
        kind: 'ClusterRole',
        name: 'crossplane-tenant',
        apiGroup: 'rbac.authorization.k8s.io',
      },
    });

    /** A dry run, an apply and a delete of claim `name` as alice: the outcomes and the audit. */
    async function writesAsAlice(name: string, cluster: JsonObject) {
      const clients = clientsWith(
        { type: 'serviceAccountToken', tokenFile },
        undefined,
        cluster,
      );
      const local = clients.get('local');
      const outcome = (write: Promise<unknown>) =>
        write.then(
          result => (typeof result === 'string' ? result : 'applied'),
          error => {
            if (error instanceof ClusterRequestError) return error.reason;
            throw error;
          },
        );
      const { lastSeq } = await sim.admin.audit();
      const outcomes = [];
      try {
        for (const dryRun of [true, false])
          outcomes.push(
            await outcome(
              local.apply(claim(name, 'team-gamma'), {
                fieldManager: 'crossplane-temporal',
                dryRun,
                as: alice,
              }),
            ),
          );
        outcomes.push(
          await outcome(
            local.delete(
              {
                apiVersion: 'database.example.org/v1alpha1',
                kind: 'PostgreSQLInstance',
                namespace: 'team-gamma',
                name,
              },
              { as: alice },
            ),
          ),
        );
      } finally {
        await clients.close();
      }
      const { records } = await sim.admin.audit({
        sinceSeq: lastSeq,
        resource: 'postgresqlinstances',
        name,
      });
      return {
        outcomes,
        seen: records.map(r => ({
          user: r.user,
          impersonatedUser: r.impersonatedUser,
          impersonatedGroups: r.impersonatedGroups,
          verb: r.verb,
          dryRun: r.dryRun ?? false,
          code: r.code,
        })),
      };
    }

    const asAlice = (verb: string, dryRun = false) => ({
      user: BACKSTAGE,
      impersonatedUser: 'alice',
      impersonatedGroups: ['team-alpha', 'system:authenticated'],
      verb,
      dryRun,
      code: 403,
    });
    const impersonated = {
      outcomes: ['Forbidden', 'Forbidden', 'Forbidden'],
      seen: [asAlice('patch', true), asAlice('patch'), asAlice('delete')],
    };
    expect(await writesAsAlice('default-db', {})).toEqual(impersonated);
    expect(
      await writesAsAlice('impersonated-db', { impersonate: true }),
    ).toEqual(impersonated);

    const asBackend = (verb: string, code: number, dryRun = false) => ({
      user: BACKSTAGE,
      impersonatedUser: undefined,
      impersonatedGroups: undefined,
      verb,
      dryRun,
      code,
    });
    expect(await writesAsAlice('backend-db', { impersonate: false })).toEqual({
      outcomes: ['applied', 'applied', 'deleted'],
      seen: [
        asBackend('patch', 201, true),
        asBackend('patch', 201),
        asBackend('delete', 200),
      ],
    });
  });

  it('authenticates with the current context of a kubeconfig, and reads it again when the server refuses its token', async () => {
    const codes = await withOwnSimulator(own => {
      const file = path.join(dir, 'backstage.kubeconfig');
      const kubeconfig = own.kubeconfigFor(BACKSTAGE);
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
      return codesAfterRotation(
        own,
        clients,
        'rotated-kubeconfig-token',
        token =>
          fs.writeFileSync(
            file,
            kubeconfig.replace(own.tokenFor(BACKSTAGE), token),
          ),
      );
    });
    expect(codes).toEqual([401, 200]);
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
    expect(invalid.retryable).toBe(false);
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

  it('refuses an apply that would take fields from another manager at once, naming them, and forces when asked', async () => {
    const clients = clientsWith({ type: 'serviceAccountToken', tokenFile });
    const local = clients.get('local');
    const options = { fieldManager: 'crossplane-temporal', as: alice };
    await local.apply(claim('contested-db', 'team-alpha'), options);
    await sim.admin.driftPatch(
      {
        apiVersion: 'database.example.org/v1alpha1',
        kind: 'PostgreSQLInstance',
        namespace: 'team-alpha',
        name: 'contested-db',
      },
      { spec: { parameters: { size: 'medium' } } },
      'kubectl-edit',
    );
    const { lastSeq } = await sim.admin.audit();
    const conflict = await failure(
      local.apply(claim('contested-db', 'team-alpha', 'large'), options),
    );
    expect(conflict.reason).toBe('FieldConflict');
    expect(conflict.retryable).toBe(false);
    expect(conflict.message).toBe(
      'cluster local: PostgreSQLInstance contested-db has fields someone else manages (conflict with "kubectl-edit": .spec.parameters.size); undo their change, or let a drift repair take the fields back',
    );
    // Refused once: a conflict is not retried like a transient error.
    const { records } = await sim.admin.audit({
      sinceSeq: lastSeq,
      name: 'contested-db',
    });
    expect(records.map(r => r.code)).toEqual([409]);

    const forced = await local.apply(
      claim('contested-db', 'team-alpha', 'large'),
      {
        ...options,
        force: true,
      },
    );
    expect(forced.spec?.parameters.size).toBe('large');
    await clients.close();
  });

  it('runs an exec credential plugin again when the server refuses its token, and retries once', async () => {
    const codes = await withOwnSimulator(own => {
      const current = path.join(dir, 'exec-token');
      fs.writeFileSync(current, own.tokenFor(BACKSTAGE));
      const plugin = path.join(dir, 'credential-plugin.js');
      fs.writeFileSync(
        plugin,
        `const token = require('fs').readFileSync(${JSON.stringify(
          current,
        )}, 'utf8');
         process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token } }));`,
      );
      const clients = clientsWith(
        { type: 'exec', command: process.execPath, args: [plugin] },
        undefined,
        { url: own.url },
      );
      // The identity provider rotates the token.
      return codesAfterRotation(
        own,
        clients,
        'rotated-backstage-token',
        token => fs.writeFileSync(current, token),
      );
    });
    expect(codes).toEqual([401, 200]);
  });

  it('reads a token file again shortly before its JWT expires, so a rotation its mtime hides goes out without a 401', async () => {
    let now = Date.now();
    const first = sim.serviceAccountToken('crossplane-system', 'backstage', {
      expirationSeconds: 600,
    });
    const second = sim.serviceAccountToken('crossplane-system', 'backstage');
    const file = path.join(dir, 'projected-token');
    // The same mtime after the rotation (as on a filesystem with coarse timestamps): only the
    // token's expiry can send the client back to the file.
    const unchanged = new Date('2024-01-01T00:00:00Z');
    const put = (token: string) => {
      fs.writeFileSync(file, token);
      fs.utimesSync(file, unchanged, unchanged);
    };
    put(first.token);
    const clients = clientsWith(
      { type: 'serviceAccountToken', tokenFile: file },
      { now: () => now },
    );
    const used = await credentialsUsed(clients, async read => {
      await read();
      put(second.token);
      await read();
      // Within the minute before the first token expires: still valid, but about to expire.
      now = Date.parse(first.expirationTimestamp) - 30_000;
      await read();
    });
    expect(used).toEqual([
      [200, credentialIdOf(first.token)],
      [200, credentialIdOf(first.token)],
      [200, credentialIdOf(second.token)],
    ]);
  });

  it("runs an exec credential plugin again shortly before its ExecCredential's expirationTimestamp, not after a 401", async () => {
    let now = Date.now();
    const first = sim.serviceAccountToken('crossplane-system', 'backstage', {
      expirationSeconds: 600,
    });
    const second = sim.serviceAccountToken('crossplane-system', 'backstage');
    // What the identity provider would hand out now.
    const current = path.join(dir, 'exec-credential.json');
    fs.writeFileSync(current, JSON.stringify(first));
    const plugin = path.join(dir, 'expiring-credential-plugin.js');
    fs.writeFileSync(
      plugin,
      `const status = JSON.parse(require('fs').readFileSync(${JSON.stringify(
        current,
      )}, 'utf8'));
       process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status }));`,
    );
    const clients = clientsWith(
      { type: 'exec', command: process.execPath, args: [plugin] },
      { now: () => now },
    );
    const used = await credentialsUsed(clients, async read => {
      await read();
      fs.writeFileSync(current, JSON.stringify(second));
      await read();
      // Within the 30 s before the credential expires.
      now = Date.parse(first.expirationTimestamp) - 10_000;
      await read();
    });
    expect(used).toEqual([
      [200, credentialIdOf(first.token)],
      [200, credentialIdOf(first.token)],
      [200, credentialIdOf(second.token)],
    ]);
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

describe('cluster clients over HTTPS', () => {
  let sim: KubeSim;
  let dir: string;
  let caFile: string;

  const clustersOf = (
    cluster: JsonObject,
    environment?: CredentialEnvironment,
  ) =>
    createClusterClients({
      config: new ConfigReader({
        crossplaneTemporal: { clusters: [{ name: 'local', ...cluster }] },
      }),
      logger: mockServices.logger.mock(),
      environment,
    });

  /** Writes a client certificate and key as files: their paths. */
  const certificateFiles = (name: string, user: string, groups: string[]) => {
    const { cert, key } = sim.issueClientCertificate(user, groups);
    const certFile = path.join(dir, `${name}.crt`);
    const keyFile = path.join(dir, `${name}.key`);
    fs.writeFileSync(certFile, cert);
    fs.writeFileSync(keyFile, key, { mode: 0o600 });
    return { certFile, keyFile, cert, key };
  };

  /** A service account dir as the kubelet mounts it: token and ca.crt. */
  const serviceAccountDir = (token: string, ca: string) => {
    const mount = fs.mkdtempSync(path.join(dir, 'serviceaccount-'));
    fs.writeFileSync(path.join(mount, 'token'), token);
    fs.writeFileSync(path.join(mount, 'ca.crt'), ca);
    return mount;
  };

  beforeAll(async () => {
    sim = await startKubeSim({ https: true, providerDelayMs: 20 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-clients-https-'));
    caFile = path.join(dir, 'ca.crt');
    fs.writeFileSync(caFile, sim.caCertificate!);
    // The backend's certificate gets the service account's role through its O value.
    await sim.admin.applyManifest({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'backstage-backends' },
      subjects: [
        {
          kind: 'Group',
          name: 'backstage-backends',
          apiGroup: 'rbac.authorization.k8s.io',
        },
      ],
      roleRef: {
        kind: 'ClusterRole',
        name: 'backstage-crossplane-reader',
        apiGroup: 'rbac.authorization.k8s.io',
      },
    });
  });

  afterAll(async () => {
    await sim?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('authenticates with a client certificate as its CN, applies as the requesting user, and leaves impersonation to RBAC', async () => {
    const backend = certificateFiles('backend', 'backstage-backend', [
      'backstage-backends',
    ]);
    const clients = clustersOf({
      url: sim.url,
      caFile,
      auth: {
        type: 'clientCertificate',
        certFile: backend.certFile,
        keyFile: backend.keyFile,
      },
    });
    const { lastSeq } = await sim.admin.audit();
    const stored = await clients
      .get('local')
      .apply(claim('cert-db', 'team-alpha'), {
        fieldManager: 'crossplane-temporal',
        as: alice,
      });
    expect(stored.metadata.uid).toBeTruthy();
    const fingerprint = crypto
      .createHash('sha256')
      .update(new crypto.X509Certificate(backend.cert).raw)
      .digest('hex');
    const { records } = await sim.admin.audit({
      sinceSeq: lastSeq,
      name: 'cert-db',
    });
    expect(records).toEqual([
      expect.objectContaining({
        user: 'backstage-backend',
        credentialId: `X509SHA256=${fingerprint}`,
        impersonatedUser: 'alice',
        impersonatedGroups: ['team-alpha', 'system:authenticated'],
        verb: 'patch',
        code: 201,
      }),
    ]);
    await clients.close();

    // bob's certificate authenticates him, but RBAC does not let him impersonate.
    const bob = certificateFiles('bob', 'bob', ['team-beta']);
    const bobs = clustersOf({
      url: sim.url,
      caFile,
      auth: {
        type: 'clientCertificate',
        certFile: bob.certFile,
        keyFile: bob.keyFile,
      },
    });
    const refused = await failure(
      bobs.get('local').apply(claim('cert-db', 'team-alpha'), {
        fieldManager: 'crossplane-temporal',
        as: alice,
      }),
    );
    expect(refused.reason).toBe('Forbidden');
    expect(refused.retryable).toBe(false);
    expect(refused.message).toContain(
      'User "bob" cannot impersonate resource "users"',
    );
    await bobs.close();
  });

  it('names a client certificate or key that cannot be used, and nothing that is in it', () => {
    const { certFile, keyFile, key } = certificateFiles('carol', 'carol', []);
    const other = certificateFiles('dave', 'dave', []);
    const withFiles = (files: { certFile: string; keyFile: string }) => () =>
      clustersOf({
        url: sim.url,
        caFile,
        auth: { type: 'clientCertificate', ...files },
      });
    const missing = path.join(dir, 'missing.crt');
    expect(withFiles({ certFile: missing, keyFile })).toThrow(
      `cannot read the client certificate ${missing}: ENOENT`,
    );
    expect(withFiles({ certFile, keyFile: dir })).toThrow(
      `cannot read the client key ${dir}: EISDIR`,
    );
    expect(withFiles({ certFile, keyFile: certFile })).toThrow(
      `the client key ${certFile} is not a PEM private key`,
    );
    expect(withFiles({ certFile: keyFile, keyFile })).toThrow(
      `the client certificate ${keyFile} is not a PEM certificate`,
    );
    const mismatched = withFiles({ certFile, keyFile: other.keyFile });
    expect(mismatched).toThrow(
      `the client key ${other.keyFile} is not the key of the client certificate ${certFile}`,
    );
    const keyLines = [key, other.key].flatMap(pem =>
      pem.split('\n').filter(line => line && !line.startsWith('-----')),
    );
    for (const attempt of [
      mismatched,
      withFiles({ certFile, keyFile: certFile }),
    ]) {
      const message = (() => {
        try {
          attempt();
        } catch (error) {
          return (error as Error).message;
        }
        throw new Error('expected the clients to be refused');
      })();
      for (const line of keyLines) expect(message).not.toContain(line);
    }
  });

  it("authenticates in cluster with the pod's service account token and trusts the server through its ca.crt", async () => {
    const { hostname, port } = new URL(sim.url);
    const env = {
      KUBERNETES_SERVICE_HOST: hostname,
      KUBERNETES_SERVICE_PORT: port,
    };
    const { token } = sim.serviceAccountToken('crossplane-system', 'backstage');
    const clients = clustersOf(
      { auth: { type: 'inCluster' } },
      { env, serviceAccountDir: serviceAccountDir(token, sim.caCertificate!) },
    );
    const { lastSeq } = await sim.admin.audit();
    expect(await clients.get('local').get(TEAM_ALPHA)).toBeDefined();
    const { records } = await sim.admin.audit({
      sinceSeq: lastSeq,
      resource: 'namespaces',
    });
    expect(records).toEqual([
      expect.objectContaining({
        user: BACKSTAGE,
        credentialId: credentialIdOf(token),
        code: 200,
      }),
    ]);
    await clients.close();

    // With another CA in ca.crt, the server's certificate does not verify: nothing is sent.
    const untrusting = clustersOf(
      { auth: { type: 'inCluster' } },
      {
        env,
        serviceAccountDir: serviceAccountDir(
          token,
          sim.issueClientCertificate('not-a-ca').cert,
        ),
      },
    );
    const { lastSeq: before } = await sim.admin.audit();
    const error = await failure(untrusting.get('local').get(TEAM_ALPHA));
    // A setup to fix, not a hiccup to retry.
    expect(error.reason).toBe('Untrusted');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(
      /^cluster local presented a certificate the backend does not trust \([A-Z_]+\); check the CA configured for it/,
    );
    expect((await sim.admin.audit({ sinceSeq: before })).records).toEqual([]);
    await untrusting.close();
  });

  it('says in-cluster authentication needs KUBERNETES_SERVICE_HOST when it is not set', () => {
    expect(() =>
      clustersOf(
        { auth: { type: 'inCluster' } },
        {
          env: {},
          serviceAccountDir: serviceAccountDir('unused', sim.caCertificate!),
        },
      ),
    ).toThrow(
      'cluster local: auth type inCluster needs KUBERNETES_SERVICE_HOST; is the backend running in a pod?',
    );
  });
});
