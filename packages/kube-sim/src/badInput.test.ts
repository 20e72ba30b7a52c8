/*
 * Bad input of many kinds, sent as raw HTTP the way a buggy client would: each gets the status
 * code and reason a real API server gives, nothing is written, and the simulator keeps serving.
 */
import { startKubeSim, type KubeSim } from './startKubeSim';

// Starting a simulator takes well under a second on an idle machine, several on a busy one.
jest.setTimeout(60_000);

interface Case {
  name: string;
  method: string;
  path: string;
  user?: string;
  headers?: Record<string, string>;
  body?: unknown;
  code: number;
  reason: string;
}

const CLAIMS =
  '/apis/database.example.org/v1alpha1/namespaces/team-alpha/postgresqlinstances';
const claim = (
  spec: unknown,
  metadata: Record<string, unknown> = { name: 'bad-input' },
) => ({
  apiVersion: 'database.example.org/v1alpha1',
  kind: 'PostgreSQLInstance',
  metadata,
  spec,
});
const json = { 'Content-Type': 'application/json' };
const apply = { 'Content-Type': 'application/apply-patch+yaml' };
const merge = { 'Content-Type': 'application/merge-patch+json' };

const cases: Case[] = [
  // Authentication and authorization
  {
    name: 'no credentials',
    method: 'GET',
    path: '/api/v1/namespaces',
    user: '',
    code: 401,
    reason: 'Unauthorized',
  },
  {
    name: 'unknown token',
    method: 'GET',
    path: '/api/v1/namespaces',
    headers: { Authorization: 'Bearer forged' },
    code: 401,
    reason: 'Unauthorized',
  },
  {
    name: 'basic auth instead of a token',
    method: 'GET',
    path: '/api/v1/namespaces',
    headers: { Authorization: 'Basic YTpi' },
    code: 401,
    reason: 'Unauthorized',
  },
  {
    name: 'write in another tenant',
    method: 'POST',
    path: CLAIMS.replace('team-alpha', 'team-beta'),
    user: 'alice',
    headers: json,
    body: claim({ parameters: { size: 'small' } }),
    code: 403,
    reason: 'Forbidden',
  },
  {
    name: "read another tenant's secrets",
    method: 'GET',
    path: '/api/v1/namespaces/team-beta/secrets',
    user: 'alice',
    code: 403,
    reason: 'Forbidden',
  },
  {
    name: 'list cluster-scoped composites as a tenant',
    method: 'GET',
    path: '/apis/database.example.org/v1alpha1/xpostgresqlinstances',
    user: 'alice',
    code: 403,
    reason: 'Forbidden',
  },
  {
    name: 'impersonation without the impersonate verb',
    method: 'GET',
    path: '/api/v1/namespaces',
    user: 'alice',
    headers: { 'Impersonate-User': 'pat' },
    code: 403,
    reason: 'Forbidden',
  },
  {
    name: 'impersonating a group only',
    method: 'GET',
    path: '/api/v1/namespaces',
    headers: { 'Impersonate-Group': 'platform-team' },
    code: 400,
    reason: 'BadRequest',
  },
  {
    name: 'delete a namespace as a tenant',
    method: 'DELETE',
    path: '/api/v1/namespaces/team-alpha',
    user: 'alice',
    code: 403,
    reason: 'Forbidden',
  },
  {
    name: 'create RBAC as a tenant',
    method: 'POST',
    path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
    user: 'bob',
    headers: json,
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'x' },
    },
    code: 403,
    reason: 'Forbidden',
  },
  // Unknown things
  {
    name: 'unknown API group',
    method: 'GET',
    path: '/apis/nope.example.org/v1/things',
    code: 404,
    reason: 'NotFound',
  },
  {
    name: 'unknown resource in a known group',
    method: 'GET',
    path: '/apis/database.example.org/v1alpha1/namespaces/team-alpha/mysqlinstances',
    code: 404,
    reason: 'NotFound',
  },
  {
    name: 'unknown version of a known group',
    method: 'GET',
    path: '/apis/database.example.org/v9/namespaces/team-alpha/postgresqlinstances',
    code: 404,
    reason: 'NotFound',
  },
  {
    name: 'missing object',
    method: 'GET',
    path: `${CLAIMS}/does-not-exist`,
    code: 404,
    reason: 'NotFound',
  },
  {
    name: 'delete a missing object',
    method: 'DELETE',
    path: `${CLAIMS}/does-not-exist`,
    code: 404,
    reason: 'NotFound',
  },
  {
    name: 'write into a missing namespace',
    method: 'POST',
    path: CLAIMS.replace('team-alpha', 'no-such-team'),
    headers: json,
    body: claim({ parameters: { size: 'small' } }),
    code: 404,
    reason: 'NotFound',
  },
  {
    name: 'namespaced path for a cluster-scoped kind',
    method: 'GET',
    path: '/apis/database.example.org/v1alpha1/namespaces/team-alpha/xpostgresqlinstances',
    code: 404,
    reason: 'NotFound',
  },
  {
    name: 'path outside the API',
    method: 'GET',
    path: '/not-an-api',
    code: 404,
    reason: 'NotFound',
  },
  // Malformed bodies
  {
    name: 'malformed JSON',
    method: 'POST',
    path: CLAIMS,
    headers: json,
    body: '{"apiVersion": ',
    code: 400,
    reason: 'BadRequest',
  },
  {
    name: 'JSON that is not an object',
    method: 'POST',
    path: CLAIMS,
    headers: json,
    body: '[1, 2]',
    code: 400,
    reason: 'BadRequest',
  },
  {
    name: 'malformed YAML in an apply',
    method: 'PATCH',
    path: `${CLAIMS}/bad-input?fieldManager=test`,
    headers: apply,
    body: 'spec: [unclosed',
    code: 400,
    reason: 'BadRequest',
  },
  {
    name: 'kind that does not match the URL',
    method: 'POST',
    path: CLAIMS,
    headers: json,
    body: { ...claim({}), kind: 'Bucket' },
    code: 400,
    reason: 'BadRequest',
  },
  {
    name: 'apiVersion that does not match the URL',
    method: 'POST',
    path: CLAIMS,
    headers: json,
    body: { ...claim({}), apiVersion: 'storage.example.org/v1alpha1' },
    code: 400,
    reason: 'BadRequest',
  },
  {
    name: 'namespace that does not match the URL',
    method: 'POST',
    path: CLAIMS,
    headers: json,
    body: claim(
      { parameters: { size: 'small' } },
      { name: 'x', namespace: 'team-beta' },
    ),
    code: 400,
    reason: 'BadRequest',
  },
  {
    name: 'apply without a field manager',
    method: 'PATCH',
    path: `${CLAIMS}/bad-input`,
    headers: apply,
    body: claim({ parameters: { size: 'small' } }),
    code: 400,
    reason: 'BadRequest',
  },
  {
    name: 'JSON patch that is not a list',
    method: 'PATCH',
    path: '/api/v1/namespaces/team-alpha',
    headers: { 'Content-Type': 'application/json-patch+json' },
    body: { op: 'add' },
    code: 400,
    reason: 'BadRequest',
  },
  {
    name: 'JSON patch with an unknown operation',
    method: 'PATCH',
    path: '/api/v1/namespaces/team-alpha',
    headers: { 'Content-Type': 'application/json-patch+json' },
    body: [{ op: 'frobnicate', path: '/metadata/labels' }],
    code: 400,
    reason: 'BadRequest',
  },
  {
    name: 'JSON patch test that fails',
    method: 'PATCH',
    path: '/api/v1/namespaces/team-alpha',
    headers: { 'Content-Type': 'application/json-patch+json' },
    body: [{ op: 'test', path: '/metadata/name', value: 'other' }],
    code: 422,
    reason: 'Invalid',
  },
  // Schema violations
  {
    name: 'missing name',
    method: 'POST',
    path: CLAIMS,
    headers: json,
    body: claim({ parameters: { size: 'small' } }, {}),
    code: 422,
    reason: 'Invalid',
  },
  {
    name: 'value outside an enum',
    method: 'POST',
    path: CLAIMS,
    headers: json,
    body: claim({ parameters: { size: 'huge' } }),
    code: 422,
    reason: 'Invalid',
  },
  {
    name: 'wrong type',
    method: 'POST',
    path: CLAIMS,
    headers: json,
    body: claim({ parameters: { size: 'small', storageGB: 'lots' } }),
    code: 422,
    reason: 'Invalid',
  },
  {
    name: 'number below the minimum',
    method: 'POST',
    path: CLAIMS,
    headers: json,
    body: claim({ parameters: { size: 'small', storageGB: 1 } }),
    code: 422,
    reason: 'Invalid',
  },
  {
    name: 'number above the maximum',
    method: 'POST',
    path: CLAIMS,
    headers: json,
    body: claim({ parameters: { size: 'small', storageGB: 100000 } }),
    code: 422,
    reason: 'Invalid',
  },
  {
    name: 'required field missing',
    method: 'POST',
    path: CLAIMS,
    headers: json,
    body: claim({}),
    code: 422,
    reason: 'Invalid',
  },
  {
    name: 'null where an object is required',
    method: 'POST',
    path: CLAIMS,
    headers: json,
    body: claim({ parameters: null }),
    code: 422,
    reason: 'Invalid',
  },
  {
    name: 'schema violation in an apply',
    method: 'PATCH',
    path: `${CLAIMS}/bad-input?fieldManager=test`,
    headers: apply,
    body: claim({ parameters: { size: 'gigantic' } }),
    code: 422,
    reason: 'Invalid',
  },
  {
    name: 'schema violation in a dry run',
    method: 'POST',
    path: `${CLAIMS}?dryRun=All`,
    headers: json,
    body: claim({ parameters: { size: 'huge' } }),
    code: 422,
    reason: 'Invalid',
  },
  // Content types and methods
  {
    name: 'patch with an unknown content type',
    method: 'PATCH',
    path: '/api/v1/namespaces/team-alpha',
    headers: { 'Content-Type': 'text/plain' },
    body: 'x',
    code: 415,
    reason: 'UnsupportedMediaType',
  },
  {
    name: 'strategic merge patch on a custom resource',
    method: 'PATCH',
    path: `${CLAIMS}/existing-db`,
    headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
    body: { spec: {} },
    code: 415,
    reason: 'UnsupportedMediaType',
  },
  {
    name: 'PUT on a collection',
    method: 'PUT',
    path: CLAIMS,
    headers: json,
    body: claim({}),
    code: 405,
    reason: 'MethodNotAllowed',
  },
  {
    name: 'unsupported method',
    method: 'OPTIONS',
    path: CLAIMS,
    code: 405,
    reason: 'MethodNotAllowed',
  },
  // Concurrency and conflicts
  {
    name: 'create what exists',
    method: 'POST',
    path: CLAIMS,
    headers: json,
    body: claim({ parameters: { size: 'small' } }, { name: 'existing-db' }),
    code: 409,
    reason: 'AlreadyExists',
  },
  {
    name: 'update with a stale resourceVersion',
    method: 'PUT',
    path: `${CLAIMS}/existing-db`,
    headers: json,
    body: claim(
      { parameters: { size: 'medium' } },
      { name: 'existing-db', resourceVersion: '1' },
    ),
    code: 409,
    reason: 'Conflict',
  },
  {
    name: 'apply that conflicts with another manager',
    method: 'PATCH',
    path: `${CLAIMS}/existing-db?fieldManager=someone-else`,
    headers: apply,
    body: claim({ parameters: { size: 'large' } }, { name: 'existing-db' }),
    code: 409,
    reason: 'Conflict',
  },
  {
    name: 'merge patch of a missing object',
    method: 'PATCH',
    path: `${CLAIMS}/does-not-exist`,
    headers: merge,
    body: { spec: {} },
    code: 404,
    reason: 'NotFound',
  },
  // Selectors
  {
    name: 'malformed label selector',
    method: 'GET',
    path: `${CLAIMS}?labelSelector=${encodeURIComponent('a in b')}`,
    code: 400,
    reason: 'BadRequest',
  },
  {
    name: 'malformed field selector',
    method: 'GET',
    path: `${CLAIMS}?fieldSelector=${encodeURIComponent('metadata.name')}`,
    code: 400,
    reason: 'BadRequest',
  },
];

function bodyOf(body: unknown): string | undefined {
  if (body === undefined) return undefined;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

// Each test is a few requests to a simulator the file starts (making its certificates, for
// HTTPS): under a second on an idle machine; the budget leaves room for one several times busier.
jest.setTimeout(30_000);

describe('bad input', () => {
  let sim: KubeSim;

  const send = (
    c: Pick<Case, 'method' | 'path' | 'user' | 'headers' | 'body'>,
  ) => {
    const user = c.user ?? 'kube-admin';
    const headers: Record<string, string> = {
      ...(user ? { Authorization: `Bearer ${sim.tokenFor(user)}` } : {}),
      ...c.headers,
    };
    return fetch(`${sim.url}${c.path}`, {
      method: c.method,
      headers,
      body: bodyOf(c.body),
    });
  };

  beforeAll(async () => {
    sim = await startKubeSim({ providerDelayMs: 1_000_000 });
    const created = await send({
      method: 'PATCH',
      path: `${CLAIMS}/existing-db?fieldManager=owner`,
      headers: apply,
      body: claim({ parameters: { size: 'small' } }, { name: 'existing-db' }),
    });
    if (created.status !== 201)
      throw new Error(`could not create the fixture claim: ${created.status}`);
  });

  afterAll(async () => {
    await sim?.stop();
  });

  it('covers at least 40 kinds of bad input', () => {
    expect(new Set(cases.map(c => c.name)).size).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('$name → $code $reason', async c => {
    const res = await send(c);
    expect(res.status).toBe(c.code);
    const body = await res.json();
    expect(body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      code: c.code,
      reason: c.reason,
    });
    expect(typeof body.message).toBe('string');
    expect(body.message).not.toMatch(/at .*\.ts:\d+/); // no stack traces
  });

  it('wrote nothing and keeps serving', async () => {
    const res = await send({ method: 'GET', path: CLAIMS });
    expect(res.status).toBe(200);
    const names = (await res.json()).items.map((i: any) => i.metadata.name);
    expect(names).toEqual(['existing-db']);
  });
});
