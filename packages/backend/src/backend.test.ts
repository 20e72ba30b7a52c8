/*
 * The backend's plugins and our modules wired together with the real auth services (no mocked
 * identities): a request without credentials is refused, a demo user signs in through the demo
 * provider and reads the catalog, and the permission policy tells owners from others.
 */
import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { userInfoServiceFactory } from '@backstage/backend-defaults/userInfo';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import path from 'node:path';
import request from 'supertest';
import authPlugin from '@backstage/plugin-auth-backend';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import permissionPlugin from '@backstage/plugin-permission-backend';
import demoAuthProvider from './modules/demoAuthProvider';
import permissionPolicy from './modules/permissionPolicy';

const repoRoot = path.resolve(__dirname, '../../..');

// Starting the catalog and the auth backend, and signing in, take seconds on a busy machine.
jest.setTimeout(60_000);

const config = {
  app: { baseUrl: 'http://localhost:3000' },
  backend: {
    baseUrl: 'http://localhost:7007',
    auth: { dangerouslyDisableDefaultAuthPolicy: false },
  },
  auth: {
    environment: 'development',
    providers: {
      demo: {
        users: [{ name: 'alice' }, { name: 'bob' }, { name: 'pat' }],
        // Jest runs with NODE_ENV=test: demo sign-in needs saying so explicitly.
        dangerouslyAllowOutsideDevelopment: true,
      },
    },
  },
  permission: { enabled: true },
  catalog: {
    rules: [{ allow: ['Component', 'System', 'Location', 'User', 'Group'] }],
    locations: [
      'catalog-info.yaml',
      'examples/entities.yaml',
      'examples/org.yaml',
    ].map(file => ({ type: 'file', target: path.join(repoRoot, file) })),
  },
};

type Server = Parameters<typeof request>[0];

/** Signs in through the demo provider, waiting for the catalog to have ingested the user. */
async function signIn(server: Server, user: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await request(server)
      .get('/api/auth/demo/refresh?env=development')
      .set('x-demo-user', user)
      .set('X-Requested-With', 'XMLHttpRequest');
    if (res.status === 200) return res.body.backstageIdentity.token;
    // 404 (user not ingested yet) is expected while the catalog processes its locations.
    if (res.status !== 404 || Date.now() > deadline) {
      throw new Error(
        `sign-in as ${user} failed: ${res.status} ${JSON.stringify(res.body)}`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, 200));
  }
}

// The backend starts with the catalog, which ingests the example entities before anyone can sign
// in: the first sign-in waits for that, 1.5 s on an idle machine and 4 s with 11 processes
// running on its 2 cores (signIn itself gives the ingestion up to 60 s).
jest.setTimeout(120_000);

describe('backend', () => {
  let backend: Awaited<ReturnType<typeof startTestBackend>>;

  beforeAll(async () => {
    backend = await startTestBackend({
      features: [
        mockServices.rootConfig.factory({ data: config }),
        authServiceFactory,
        httpAuthServiceFactory,
        userInfoServiceFactory,
        authPlugin,
        demoAuthProvider,
        catalogPlugin,
        permissionPlugin,
        permissionPolicy,
      ],
    });
  });

  afterAll(async () => {
    await backend?.stop();
  });

  it('refuses a request without credentials', async () => {
    const res = await request(backend.server).get('/api/catalog/entities');
    expect(res.status).toBe(401);
    expect(res.body.error.stack).toBeUndefined();
  });

  it('refuses a forged token', async () => {
    const res = await request(backend.server)
      .get('/api/catalog/entities')
      .set('Authorization', 'Bearer not-a-real-token');
    expect(res.status).toBe(401);
  });

  it("serves a demo user's catalog request", async () => {
    const token = await signIn(backend.server, 'alice');
    const res = await request(backend.server)
      .get('/api/catalog/entities/by-query?filter=kind=component')
      .set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    const names = res.body.items.map((e: any) => e.metadata.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'crossplane-temporal-backstage',
        'checkout-service',
      ]),
    );

    const me = await request(backend.server)
      .get('/api/catalog/entities/by-name/user/default/alice')
      .set('Authorization', `Bearer ${token}`);
    expect(me.status).toBe(200);
    expect(me.body.spec.memberOf).toEqual(['team-alpha']);
  });

  it('refuses to sign in someone who is not a demo user', async () => {
    const res = await request(backend.server)
      .get('/api/auth/demo/refresh?env=development')
      .set('x-demo-user', 'mallory')
      .set('X-Requested-With', 'XMLHttpRequest');
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain("'mallory' is not a demo user");
  });

  it('lets owners and the platform team refresh an entity, and no one else', async () => {
    const [alice, bob, pat] = await Promise.all(
      ['alice', 'bob', 'pat'].map(user => signIn(backend.server, user)),
    );
    const refresh = (token: string) =>
      request(backend.server)
        .post('/api/catalog/refresh')
        .set('Authorization', `Bearer ${token}`)
        .send({ entityRef: 'component:default/checkout-service' });

    expect((await refresh(alice)).status).toBe(200); // team-alpha owns it
    expect((await refresh(bob)).status).toBe(403); // team-beta does not
    expect((await refresh(pat)).status).toBe(200); // platform team
  });

  it('reserves registering locations to the platform team', async () => {
    const bob = await signIn(backend.server, 'bob');
    const res = await request(backend.server)
      .post('/api/catalog/locations')
      .set('Authorization', `Bearer ${bob}`)
      .send({ type: 'url', target: 'https://example.com/catalog-info.yaml' });
    expect(res.status).toBe(403);
  });
});
