/*
 * The simulator driven by the real kubectl over HTTPS, with the kubeconfigs it writes (its
 * generated certificate as their CA): apply, get -o yaml, wait for Ready, delete --wait, RBAC
 * refusals and `auth can-i --as`.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
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
});
