/*
 * Authentication as kube-apiserver does it, driven by the real @kubernetes/client-node: x509
 * client certificates from the simulator's client CA (the user from the CN, the groups from the O
 * values), and bound service account tokens from the TokenRequest API, JWTs that expire. The
 * audit log names each credential the way kube-apiserver's does.
 */
import crypto from 'node:crypto';
import YAML from 'yaml';
import { ClientCertificateAuthority } from './auth/clientCertificates';
import { kubeconfig } from './kubeconfigs';
import { startKubeSim, type KubeSim } from './startKubeSim';
import { clientsFor, clientsOf, expectStatus } from './__testUtils__/clients';

// Starting an HTTPS simulator generates RSA keys, which alone can take seconds on a busy machine.
jest.setTimeout(60_000);

const BACKSTAGE = 'system:serviceaccount:crossplane-system:backstage';
const ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** The HTTP code a request was answered with. */
const codeOf = (request: Promise<unknown>): Promise<number> =>
  request.then(
    () => 200,
    error => error.code,
  );

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());

// Each test is a few requests to a simulator the file starts (making its certificates, for
// HTTPS): under a second on an idle machine; the budget leaves room for one several times busier.
jest.setTimeout(30_000);

describe('authentication', () => {
  let sim: KubeSim;
  /** How far the simulator's clock runs ahead of the real one. */
  let clockAheadMs = 0;

  /** The audit records of the requests `send` makes. */
  async function audited(send: () => Promise<unknown>) {
    const { lastSeq } = await sim.admin.audit();
    await send();
    return (await sim.admin.audit({ sinceSeq: lastSeq })).records;
  }

  /** Clients that authenticate with `token`. */
  const withToken = (token: string) =>
    clientsOf(kubeconfig(sim.url, 'token-user', { token }, sim.caCertificate));

  /** A TokenRequest for a service account of crossplane-system, as the administrator. */
  const requestToken = (name: string, spec: Record<string, unknown>) =>
    clientsFor(sim, 'kube-admin').core.createNamespacedServiceAccountToken({
      name,
      namespace: 'crossplane-system',
      body: { spec },
    });

  const tokenOf = (issued: { status?: { token?: string } }) => {
    expect(issued.status?.token).toEqual(expect.any(String));
    return issued.status!.token!;
  };

  beforeAll(async () => {
    sim = await startKubeSim({
      https: true,
      providerDelayMs: 20,
      now: () => Date.now() + clockAheadMs,
    });
  });

  afterAll(async () => {
    await sim?.stop();
  });

  afterEach(() => {
    clockAheadMs = 0;
  });

  describe('client certificates', () => {
    it("takes the user from the certificate's CN and the groups from its O values", async () => {
      // carol is in no users file: only the O value grants her team-beta's RoleBinding.
      const carol = sim.issueClientCertificate('carol', [
        'team-beta',
        'viewers',
      ]);
      const { core } = clientsOf(
        kubeconfig(sim.url, 'carol', carol, sim.caCertificate),
      );
      const records = await audited(async () => {
        await core.listNamespacedSecret({ namespace: 'team-beta' });
        const refused = await expectStatus(
          core.listNamespacedSecret({ namespace: 'team-alpha' }),
          403,
        );
        expect(refused.message).toBe(
          'secrets is forbidden: User "carol" cannot list resource "secrets" in API group "" in the namespace "team-alpha"',
        );
      });
      const fingerprint = crypto
        .createHash('sha256')
        .update(new crypto.X509Certificate(carol.cert).raw)
        .digest('hex');
      expect(records.map(r => [r.user, r.code, r.credentialId])).toEqual([
        ['carol', 200, `X509SHA256=${fingerprint}`],
        ['carol', 403, `X509SHA256=${fingerprint}`],
      ]);
    });

    it('writes kubeconfigs with a client certificate for a user of the users file, in its groups', async () => {
      const config = sim.kubeconfigFor('alice', { clientCertificate: true });
      expect(Object.keys(YAML.parse(config).users[0].user).sort()).toEqual([
        'client-certificate-data',
        'client-key-data',
      ]);
      const { core } = clientsOf(config);
      const records = await audited(() =>
        core.listNamespacedSecret({ namespace: 'team-alpha' }),
      );
      expect(records).toEqual([
        expect.objectContaining({
          user: 'alice',
          code: 200,
          credentialId: expect.stringMatching(/^X509SHA256=[0-9a-f]{64}$/),
        }),
      ]);
    });

    it('ignores a certificate from a CA it does not trust: 401 alone, the bearer token beside it decides', async () => {
      const forged = new ClientCertificateAuthority().issue('kube-admin', [
        'system:masters',
      ]);
      const forgedOnly = kubeconfig(
        sim.url,
        'kube-admin',
        forged,
        sim.caCertificate,
      );
      await expectStatus(clientsOf(forgedOnly).core.listNamespace(), 401);

      const withBobsToken = YAML.parse(forgedOnly);
      withBobsToken.users[0].user.token = sim.tokenFor('bob');
      const { core } = clientsOf(YAML.stringify(withBobsToken));
      const records = await audited(() =>
        expectStatus(core.listNamespace(), 403),
      );
      expect(records).toEqual([
        expect.objectContaining({ user: 'bob', code: 403 }),
      ]);
      expect(records[0].credentialId).toBeUndefined();
    });

    it('needs HTTPS to issue client certificates', async () => {
      const plain = await startKubeSim({ fixtures: false });
      try {
        expect(() => plain.issueClientCertificate('alice')).toThrow(
          'client certificates need https',
        );
      } finally {
        await plain.stop();
      }
    });
  });

  describe('service account tokens', () => {
    it('issues a bound token that authenticates as the service account until it expires, with a minute of leeway', async () => {
      const issued = await requestToken('backstage', {
        expirationSeconds: 600,
      });
      expect(issued.spec).toMatchObject({
        audiences: [ISSUER],
        expirationSeconds: 600,
      });
      const token = tokenOf(issued);
      const claims = claimsOf(token);
      expect(claims).toMatchObject({
        iss: ISSUER,
        sub: BACKSTAGE,
        aud: [ISSUER],
        'kubernetes.io': {
          namespace: 'crossplane-system',
          serviceaccount: { name: 'backstage' },
        },
      });
      expect(claims.exp - claims.iat).toBe(600);
      expect(issued.status?.expirationTimestamp).toEqual(
        new Date(claims.exp * 1000),
      );

      const { core } = withToken(token);
      const at = (offsetMs: number) => {
        clockAheadMs = claims.exp * 1000 + offsetMs - Date.now();
      };
      const records = await audited(async () => {
        await core.readNamespace({ name: 'team-alpha' });
        at(30_000);
        await core.readNamespace({ name: 'team-alpha' });
        at(61_000);
        await expectStatus(core.readNamespace({ name: 'team-alpha' }), 401);
      });
      expect(records.map(r => [r.user, r.code, r.credentialId])).toEqual([
        [BACKSTAGE, 200, `JTI=${claims.jti}`],
        [BACKSTAGE, 200, `JTI=${claims.jti}`],
        ['', 401, undefined],
      ]);
    });

    it('refuses a token whose claims were changed after signing', async () => {
      const { token } = sim.serviceAccountToken(
        'crossplane-system',
        'backstage',
      );
      const [header, , signature] = token.split('.');
      const extended = Buffer.from(
        JSON.stringify({ ...claimsOf(token), exp: claimsOf(token).exp + 3600 }),
      ).toString('base64url');
      const read = (bearer: string) =>
        codeOf(withToken(bearer).core.readNamespace({ name: 'team-alpha' }));
      expect(await read(`${header}.${extended}.${signature}`)).toBe(401);
      expect(await read(token)).toBe(200);
    });

    it('refuses a token for another audience', async () => {
      const issued = await requestToken('backstage', {
        audiences: ['vault'],
      });
      expect(claimsOf(tokenOf(issued)).aud).toEqual(['vault']);
      await expectStatus(
        withToken(tokenOf(issued)).core.readNamespace({
          name: 'team-alpha',
        }),
        401,
      );
    });

    it("stops accepting a service account's tokens once it is deleted, also when one of that name is created again", async () => {
      const account = {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'short-lived', namespace: 'crossplane-system' },
      };
      const admin = clientsFor(sim, 'kube-admin');
      await admin.core.createNamespacedServiceAccount({
        namespace: 'crossplane-system',
        body: account,
      });
      const { token } = sim.serviceAccountToken(
        'crossplane-system',
        'short-lived',
      );
      const { core } = withToken(token);
      const read = () => codeOf(core.readNamespace({ name: 'team-alpha' }));
      // Authenticated, though RBAC grants it nothing.
      expect(await read()).toBe(403);

      await admin.core.deleteNamespacedServiceAccount({
        name: 'short-lived',
        namespace: 'crossplane-system',
      });
      expect(await read()).toBe(401);
      await admin.core.createNamespacedServiceAccount({
        namespace: 'crossplane-system',
        body: account,
      });
      expect(await read()).toBe(401);
    });

    it('refuses token requests as kube-apiserver does', async () => {
      const tooShort = await expectStatus(
        requestToken('backstage', { expirationSeconds: 599 }),
        422,
      );
      expect(tooShort).toMatchObject({
        reason: 'Invalid',
        message:
          'TokenRequest "backstage" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes',
      });
      const missing = await expectStatus(requestToken('nobody', {}), 404);
      expect(missing.message).toBe('serviceaccounts "nobody" not found');
      const forbidden = await expectStatus(
        clientsFor(sim, 'alice').core.createNamespacedServiceAccountToken({
          name: 'backstage',
          namespace: 'crossplane-system',
          body: { spec: {} },
        }),
        403,
      );
      expect(forbidden.message).toBe(
        'serviceaccounts "backstage" is forbidden: User "alice" cannot create resource "serviceaccounts/token" in API group "" in the namespace "crossplane-system"',
      );
      const bound = await expectStatus(
        requestToken('backstage', {
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web-0' },
        }),
        400,
      );
      expect(bound.message).toContain('spec.boundObjectRef');
    });
  });
});
