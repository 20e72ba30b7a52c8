/*
 * The simulator driven by the real kubectl over HTTPS, with the kubeconfigs it writes (its
 * generated certificate as their CA): apply, get -o yaml, wait for Ready, delete --wait, RBAC
 * refusals, `auth can-i --as`, client certificates and `kubectl create token`.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { kubeconfig } from './kubeconfigs';
import { startKubeSim, type KubeSim } from './startKubeSim';

jest.setTimeout(60_000);

interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('kubectl against kube-sim', () => {
  let sim: KubeSim;
  let dir: string;

  /** Runs kubectl as `user` (one of the users file's identities). */
  const kubectl = (user: string, args: string[], input?: string) =>
    new Promise<KubectlResult>((resolve, reject) => {
      const child = execFile(
        'kubectl',
        ['--cache-dir', path.join(dir, 'cache'), ...args],
        { env: { ...process.env, KUBECONFIG: path.join(dir, user) } },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== 'number') {
            reject(
              new Error(
                `could not run kubectl (${error.message}); install the kubectl package`,
              ),
            );
            return;
          }
          resolve({
            code: typeof error?.code === 'number' ? error.code : 0,
            stdout,
            stderr,
          });
        },
      );
      child.stdin?.end(input);
    });

  const claim = (name: string, namespace = 'team-alpha') =>
    YAML.stringify({
      apiVersion: 'database.example.org/v1alpha1',
      kind: 'PostgreSQLInstance',
      metadata: { name, namespace },
      spec: {
        parameters: { size: 'small' },
        writeConnectionSecretToRef: { name: `${name}-conn` },
      },
    });

  beforeAll(async () => {
    sim = await startKubeSim({ https: true, providerDelayMs: 50 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubectl-test-'));
    for (const user of ['kube-admin', 'alice', 'bob'])
      fs.writeFileSync(path.join(dir, user), sim.kubeconfigFor(user));
  });

  afterAll(async () => {
    await sim?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS with a certificate the kubeconfig trusts', async () => {
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const config = YAML.parse(sim.kubeconfigFor('alice'));
    expect(config.clusters[0].cluster).toEqual({
      server: sim.url,
      'certificate-authority-data': Buffer.from(sim.caCertificate!).toString(
        'base64',
      ),
    });
    const { code, stdout } = await kubectl('alice', ['version', '-o', 'json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).serverVersion.gitVersion).toMatch(/kube-sim/);
  });

  it('applies a claim, shows it as YAML, waits for Ready and deletes it with --wait', async () => {
    const applied = await kubectl(
      'alice',
      ['apply', '-f', '-'],
      claim('kubectl-db'),
    );
    expect(applied).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(
        'postgresqlinstance.database.example.org/kubectl-db created',
      ),
    });

    const shown = await kubectl('alice', [
      'get',
      'postgresqlinstance',
      'kubectl-db',
      '-n',
      'team-alpha',
      '-o',
      'yaml',
    ]);
    const object = YAML.parse(shown.stdout);
    expect(object.metadata).toMatchObject({
      name: 'kubectl-db',
      namespace: 'team-alpha',
      uid: expect.any(String),
    });
    // kubectl apply keeps what it applied, and the claim's defaults were filled in.
    expect(
      object.metadata.annotations[
        'kubectl.kubernetes.io/last-applied-configuration'
      ],
    ).toContain('"name":"kubectl-db"');
    expect(object.spec.parameters).toMatchObject({ size: 'small' });

    const waited = await kubectl('alice', [
      'wait',
      '--for=condition=Ready',
      'postgresqlinstance/kubectl-db',
      '-n',
      'team-alpha',
      '--timeout=30s',
    ]);
    expect(waited).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('condition met'),
    });

    // Table output with the printer columns Crossplane gives claims.
    const table = await kubectl('alice', [
      'get',
      'postgresqlinstances',
      '-n',
      'team-alpha',
    ]);
    const [header, ...rows] = table.stdout.trim().split('\n');
    expect(header.split(/\s+/)).toEqual([
      'NAME',
      'SYNCED',
      'READY',
      'CONNECTION-SECRET',
      'AGE',
    ]);
    expect(rows.map(r => r.split(/\s+/))).toContainEqual([
      'kubectl-db',
      'True',
      'True',
      'kubectl-db-conn',
      expect.stringMatching(/^\d+s$/),
    ]);

    const deleted = await kubectl('alice', [
      'delete',
      'postgresqlinstance',
      'kubectl-db',
      '-n',
      'team-alpha',
      '--wait',
      '--timeout=30s',
    ]);
    expect(deleted).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('"kubectl-db" deleted'),
    });
    // --wait returned only once the finalizers were done: the claim is gone.
    const gone = await kubectl('alice', [
      'get',
      'postgresqlinstance',
      'kubectl-db',
      '-n',
      'team-alpha',
    ]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(
      'postgresqlinstances.database.example.org "kubectl-db" not found',
    );
  });

  it("refuses a write in another team's namespace with RBAC's message", async () => {
    const refused = await kubectl(
      'alice',
      ['apply', '-f', '-'],
      claim('not-mine', 'team-beta'),
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /forbidden: User "alice" cannot (get|patch|create) resource "postgresqlinstances" in API group "database.example.org" in the namespace "team-beta"/,
    );
  });

  it('answers auth can-i for an impersonated user from RBAC', async () => {
    const canI = (args: string[]) =>
      kubectl('kube-admin', ['auth', 'can-i', ...args]);
    expect(
      await canI([
        'create',
        'postgresqlinstances.database.example.org',
        '-n',
        'team-alpha',
        '--as',
        'alice',
        '--as-group',
        'team-alpha',
      ]),
    ).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect(
      await canI([
        'create',
        'postgresqlinstances.database.example.org',
        '-n',
        'team-beta',
        '--as',
        'alice',
        '--as-group',
        'team-alpha',
      ]),
    ).toMatchObject({ code: 1, stdout: 'no\n' });
    // Who may impersonate is RBAC too: alice may not.
    const impersonating = await kubectl('alice', [
      'auth',
      'can-i',
      'get',
      'secrets',
      '-n',
      'team-beta',
      '--as',
      'bob',
    ]);
    expect(impersonating.code).toBe(1);
    expect(impersonating.stderr).toMatch(/cannot impersonate/);
  });

  it('authenticates with the client certificate of a kubeconfig, as its user in its groups', async () => {
    fs.writeFileSync(
      path.join(dir, 'alice-certificate'),
      sim.kubeconfigFor('alice', { clientCertificate: true }),
    );
    const { lastSeq } = await sim.admin.audit();
    const listed = await kubectl('alice-certificate', [
      'get',
      'secrets',
      '-n',
      'team-alpha',
      '-o',
      'name',
    ]);
    // On failure, kubectl's stderr shows in the diff.
    expect({ code: listed.code, stderr: listed.stderr }).toEqual({
      code: 0,
      stderr: expect.any(String),
    });
    const refused = await kubectl('alice-certificate', [
      'get',
      'secrets',
      '-n',
      'team-beta',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'User "alice" cannot list resource "secrets" in API group "" in the namespace "team-beta"',
    );
    const { records } = await sim.admin.audit({ sinceSeq: lastSeq });
    expect(
      records
        .filter(r => r.resource)
        .map(r => [r.user, r.resource, r.namespace, r.code]),
    ).toEqual([
      ['alice', 'secrets', 'team-alpha', 200],
      ['alice', 'secrets', 'team-beta', 403],
    ]);
    // Every authenticated request (kubectl's first call, /version, is public) by the certificate.
    expect(
      new Set(records.filter(r => r.user).map(r => r.credentialId)),
    ).toEqual(new Set([expect.stringMatching(/^X509SHA256=[0-9a-f]{64}$/)]));
  });

  it('creates a service account token with `kubectl create token`, which authenticates as the service account', async () => {
    const created = await kubectl('kube-admin', [
      'create',
      'token',
      'backstage',
      '-n',
      'crossplane-system',
      '--duration',
      '10m',
    ]);
    // On failure, kubectl's stderr shows in the diff.
    expect({ code: created.code, stderr: created.stderr }).toEqual({
      code: 0,
      stderr: expect.any(String),
    });
    const token = created.stdout.trim();
    const claims = JSON.parse(
      Buffer.from(token.split('.')[1], 'base64url').toString(),
    );
    expect(claims.exp - claims.iat).toBe(600);
    fs.writeFileSync(
      path.join(dir, 'backstage-token'),
      kubeconfig(sim.url, 'backstage', { token }, sim.caCertificate),
    );
    const { lastSeq } = await sim.admin.audit();
    const read = await kubectl('backstage-token', [
      'get',
      'namespace',
      'team-alpha',
      '-o',
      'name',
    ]);
    expect(read).toMatchObject({ code: 0, stdout: 'namespace/team-alpha\n' });
    const { records } = await sim.admin.audit({
      sinceSeq: lastSeq,
      resource: 'namespaces',
    });
    expect(records).toEqual([
      expect.objectContaining({
        user: 'system:serviceaccount:crossplane-system:backstage',
        credentialId: `JTI=${claims.jti}`,
        code: 200,
      }),
    ]);
  });

  /** `bin/kube-sim drift ...`, pointed at this simulator by the administrator's kubeconfig. */
  const drift = (args: string[]) =>
    new Promise<KubectlResult>(resolve => {
      execFile(
        process.execPath,
        [
          require.resolve('@crossplane-temporal/kube-sim/bin/kube-sim'),
          'drift',
          ...args,
          '--kubeconfig',
          path.join(dir, 'kube-admin'),
        ],
        (error, stdout, stderr) =>
          resolve({
            code: typeof error?.code === 'number' ? error.code : 0,
            stdout,
            stderr,
          }),
      );
    });

  it('changes and deletes objects as an outside actor from the command line', async () => {
    await kubectl('alice', ['apply', '-f', '-'], claim('drifting-db'));
    await kubectl('alice', [
      'wait',
      '--for=condition=Ready',
      'postgresqlinstance/drifting-db',
      '-n',
      'team-alpha',
      '--timeout=30s',
    ]);

    const patched = await drift([
      'patch',
      'database.example.org/v1alpha1',
      'PostgreSQLInstance',
      'drifting-db',
      '-n',
      'team-alpha',
      '--patch',
      '{"spec":{"parameters":{"size":"large"}}}',
      '--manager',
      'console-user',
    ]);
    expect(patched.stderr).toBe('');
    expect(patched.stdout).toContain(
      'patched PostgreSQLInstance team-alpha/drifting-db',
    );
    const object = YAML.parse(
      (
        await kubectl('alice', [
          'get',
          'postgresqlinstance',
          'drifting-db',
          '-n',
          'team-alpha',
          '-o',
          'yaml',
          '--show-managed-fields',
        ])
      ).stdout,
    );
    expect(object.spec.parameters.size).toBe('large');
    expect(object.metadata.managedFields.map((m: any) => m.manager)).toContain(
      'console-user',
    );

    // A managed resource deleted behind Crossplane's back.
    const managed = JSON.parse(
      (
        await kubectl('kube-admin', [
          'get',
          'databaseinstances.sim.crossplane.io',
          '-l',
          `crossplane.io/claim-name=drifting-db`,
          '-o',
          'json',
        ])
      ).stdout,
    ).items[0];
    const deleted = await drift([
      'delete',
      'sim.crossplane.io/v1alpha1',
      'DatabaseInstance',
      managed.metadata.name,
    ]);
    // On failure, kubectl's stderr shows in the diff.
    expect({ code: deleted.code, stderr: deleted.stderr }).toEqual({
      code: 0,
      stderr: expect.any(String),
    });
    const { records } = await sim.admin.audit({ name: managed.metadata.name });
    expect(records).toEqual([]); // not an API request: as if done elsewhere
    const after = await kubectl('kube-admin', [
      'get',
      'databaseinstances.sim.crossplane.io',
      managed.metadata.name,
      '-o',
      'json',
    ]);
    // Either gone, or already re-created by the simulated composite controller: not the same object.
    const uidAfter =
      after.code === 0 ? JSON.parse(after.stdout).metadata.uid : undefined;
    expect(uidAfter).not.toBe(managed.metadata.uid);
    expect(after.code === 0 || after.stderr.includes('not found')).toBe(true);
  });

  it('explains what the drift command needs when it is given too little', async () => {
    const result = await drift(['delete', 'sim.crossplane.io/v1alpha1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'kube-sim: drift delete needs APIVERSION KIND NAME',
    );
    expect(result.stderr).toContain('usage: kube-sim drift delete');
  });
});
