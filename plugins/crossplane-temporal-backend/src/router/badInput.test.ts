/*
 * Bad requests across the REST API, generated: wrong types, unknown fields (among them every way
 * a body could try to name an identity, an approver or a policy), names that are not DNS-1123,
 * namespaces the caller's team may not use, specs outside the XRD's schema, kinds no XRD offers
 * (a Secret, a Namespace), bodies over 256 KB, missing or forged credentials and forged entity
 * refs. Each gets a 4xx whose message says what is wrong; nothing is written to the cluster (its
 * audit log shows no write), nothing answers 500, and no secret appears in an answer or a log line.
 */
import { mockCredentials } from '@backstage/backend-test-utils';
import type { ResourceRef } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import fs from 'node:fs';
import request from 'supertest';
import {
  API,
  pathOf,
  startApiTestBackend,
  userRef,
  type ApiTestBackend,
  type User,
} from '../__testUtils__/apiTestBackend';
import { recordingLogger } from '../__testUtils__/recordingLogger';

jest.setTimeout(180_000);

const ref = (over: Partial<ResourceRef> = {}): ResourceRef => ({
  cluster: 'local',
  apiVersion: 'database.example.org/v1alpha1',
  kind: 'PostgreSQLInstance',
  namespace: 'team-alpha',
  name: 'guarded-db',
  ...over,
});
const good = { parameters: { size: 'small' } };
const component = 'component:default/checkout-service';

interface BadRequest {
  name: string;
  as?: User | 'none';
  /** Sent as the Authorization header instead of the user's. */
  authorization?: string;
  method: 'get' | 'post';
  path: string;
  body?: unknown;
  /** Sent as it is, with this content type. */
  raw?: { type: string; data: string };
  status: number;
  message: RegExp;
}

function generate(): BadRequest[] {
  const cases: BadRequest[] = [];
  const provision = (
    name: string,
    body: unknown,
    status: number,
    message: RegExp,
    over: Partial<BadRequest> = {},
  ) =>
    cases.push({
      name: `provision: ${name}`,
      method: 'post',
      path: `${pathOf(ref({ name: 'new-db' }))}/provision`,
      body,
      status,
      message,
      ...over,
    });
  const post = (
    action: string,
    name: string,
    body: unknown,
    status: number,
    message: RegExp,
  ) =>
    cases.push({
      name: `${action}: ${name}`,
      method: 'post',
      path: `${pathOf(ref())}/${action}`,
      body,
      status,
      message,
    });

  // Wrong types.
  for (const spec of ['small', 42, true, null, ['a']])
    provision(`spec ${JSON.stringify(spec)}`, { spec }, 400, /spec/);
  for (const requestId of [
    42,
    {},
    '',
    'has spaces',
    'x'.repeat(200),
    '-leading',
  ])
    provision(
      `requestId ${JSON.stringify(requestId)}`,
      { spec: good, requestId },
      400,
      /requestId/,
    );
  for (const value of [
    42,
    'not a ref',
    'component:default/../etc',
    'component:/x',
  ])
    provision(
      `component ${JSON.stringify(value)}`,
      { spec: good, component: value },
      400,
      /component/,
    );
  for (const labels of [{ team: 1 }, 'x', { big: 'y'.repeat(64) }])
    provision(
      `labels ${JSON.stringify(labels).slice(0, 30)}`,
      { spec: good, labels },
      400,
      /labels/,
    );
  provision('no spec', { component }, 400, /spec/);
  for (const action of ['update', 'deprovision', 'retry']) {
    post(
      action,
      'requestId 7',
      { requestId: 7, ...(action === 'update' ? { spec: good } : {}) },
      400,
      /requestId/,
    );
    post(action, 'a JSON array', [1, 2], 400, /body must be object/);
  }
  post('update', 'no spec', {}, 400, /spec/);
  post('update', 'spec "large"', { spec: 'large' }, 400, /spec/);
  post('approval', 'no requestId', { approved: true }, 400, /requestId/);
  post('approval', 'no decision', { requestId: 'r' }, 400, /approved/);
  post(
    'approval',
    'approved "yes"',
    { requestId: 'r', approved: 'yes' },
    400,
    /approved/,
  );
  post(
    'approval',
    'a comment of 1001 characters',
    { requestId: 'r', approved: true, comment: 'c'.repeat(1001) },
    400,
    /comment/,
  );

  // Unknown fields: nothing in a body names an identity, an approver, a policy or skips a step.
  const smuggled: Record<string, unknown> = {
    requestedBy: {
      userEntityRef: 'user:default/pat',
      ownershipEntityRefs: ['group:default/platform-team'],
    },
    decidedBy: 'user:default/pat',
    userEntityRef: 'user:default/pat',
    kubernetes: { user: 'pat', groups: ['platform-team'] },
    impersonate: { user: 'kube-admin', groups: ['system:masters'] },
    policy: { drift: 'ignore', readyTimeoutSeconds: 1 },
    approval: false,
    approvers: ['user:default/alice'],
    skipApproval: true,
    apiVersion: 'v1',
    kind: 'Secret',
  };
  for (const [field, value] of Object.entries(smuggled)) {
    provision(
      `smuggles ${field}`,
      { spec: good, component, [field]: value },
      400,
      new RegExp(`${field} is not a field of`),
    );
    post(
      'update',
      `smuggles ${field}`,
      { spec: good, [field]: value },
      400,
      new RegExp(`${field} is not a field of`),
    );
  }
  post(
    'deprovision',
    'smuggles requestedBy',
    { requestedBy: 'user:default/bob' },
    400,
    /requestedBy is not a field of/,
  );
  post(
    'approval',
    'smuggles decidedBy',
    { requestId: 'r', approved: true, decidedBy: 'user:default/pat' },
    400,
    /decidedBy is not a field of/,
  );
  post(
    'approval',
    'smuggles decidedByOwnershipRefs',
    {
      requestId: 'r',
      approved: true,
      decidedByOwnershipRefs: ['group:default/platform-team'],
    },
    400,
    /decidedByOwnershipRefs is not a field of/,
  );
  post(
    'retry',
    'smuggles requestedBy',
    { requestedBy: 'user:default/pat' },
    400,
    /requestedBy is not a field of/,
  );

  // Names that are not DNS-1123, in every part of the path.
  for (const name of [
    'Orders_DB',
    'UPPER',
    '-lead',
    'trail-',
    'a'.repeat(254),
    'dots..dots',
    'under_score',
  ])
    provision(
      `name ${name.slice(0, 20)}`,
      { spec: good, component },
      400,
      /name '.*' is not valid: expected a Kubernetes object name/,
      {
        path: `${pathOf(ref({ name }))}/provision`,
      },
    );
  for (const namespace of ['Team-Alpha', 'team_alpha', 'x'.repeat(64), '-team'])
    provision(
      `namespace ${namespace.slice(0, 20)}`,
      { spec: good, component },
      400,
      /namespace '.*' is not valid: expected a Kubernetes namespace/,
      {
        path: `${pathOf(ref({ namespace }))}/provision`,
      },
    );
  for (const cluster of ['Local', 'lo_cal'])
    provision(
      `cluster ${cluster}`,
      { spec: good, component },
      400,
      /cluster '.*' is not valid/,
      {
        path: `${pathOf(ref({ cluster }))}/provision`,
      },
    );
  provision(
    'a cluster not in app-config',
    { spec: good, component },
    400,
    /no cluster named elsewhere/,
    {
      path: `${pathOf(ref({ cluster: 'elsewhere' }))}/provision`,
    },
  );

  // Kinds no XRD offers: core kinds, Kubernetes' own, a claim's composite, a misspelt group.
  const kindPath = (group: string, kind: string) =>
    `${API}/resources/local/team-alpha/${group}/${kind}/x/provision`;
  for (const [group, kind, message] of [
    [
      'core',
      'Secret',
      /core kinds like Secret or Namespace cannot be requested/,
    ],
    [
      'v1',
      'Namespace',
      /core kinds like Secret or Namespace cannot be requested/,
    ],
    ['rbac.authorization.k8s.io', 'Role', /not a kind any XRD offers/],
    [
      'apiextensions.k8s.io',
      'CustomResourceDefinition',
      /not a kind any XRD offers/,
    ],
    ['apps.k8s.io', 'Deployment', /not a kind any XRD offers/],
    [
      'database.example.org',
      'XPostgreSQLInstance',
      /not a kind any XRD offers/,
    ],
    [
      'database.example.org',
      'postgresqlinstance',
      /kind 'postgresqlinstance' is not valid: expected a Kubernetes kind in CamelCase/,
    ],
    [
      'databases.example.org',
      'PostgreSQLInstance',
      /not a kind any XRD offers/,
    ],
    ['sim.crossplane.io', 'DatabaseInstance', /not a kind any XRD offers/],
  ] as const)
    provision(
      `kind ${group}/${kind}`,
      { spec: good, component },
      400,
      message,
      { path: kindPath(group, kind) },
    );

  // Namespaces the caller's team may not use.
  for (const [user, namespace] of [
    ['alice', 'team-beta'],
    ['alice', 'kube-system'],
    ['alice', 'default'],
    ['bob', 'team-alpha'],
  ] as const)
    provision(
      `${user} in ${namespace}`,
      {
        spec: good,
        owner:
          user === 'alice'
            ? 'group:default/team-alpha'
            : 'group:default/team-beta',
      },
      403,
      /not one your groups may use/,
      {
        as: user,
        path: `${pathOf(ref({ namespace, name: 'elsewhere-db' }))}/provision`,
      },
    );

  // Specs outside the XRD's schema.
  const specs: Array<[string, unknown, RegExp]> = [
    [
      'size huge',
      { parameters: { size: 'huge' } },
      /spec.parameters.size must be one of small, medium, large/,
    ],
    [
      'storage too small',
      { parameters: { size: 'small', storageGB: 5 } },
      /storageGB must be >= 10/,
    ],
    [
      'storage a word',
      { parameters: { size: 'small', storageGB: 'big' } },
      /storageGB must be integer/,
    ],
    ['no parameters', {}, /spec.parameters is required/],
    [
      'a misspelt parameter',
      { parameters: { size: 'small', sizee: 'large' } },
      /spec.parameters.sizee is not a field/,
    ],
    [
      'a region on Mars',
      { parameters: { size: 'small', region: 'mars-1' } },
      /region must be one of/,
    ],
    [
      'a version as a number',
      { parameters: { size: 'small', version: 16 } },
      /version must be/,
    ],
    [
      'binding to an existing composite',
      {
        parameters: { size: 'small' },
        resourceRef: {
          apiVersion: 'database.example.org/v1alpha1',
          kind: 'XPostgreSQLInstance',
          name: 'someone-elses',
        },
      },
      /spec.resourceRef is not a field/,
    ],
    [
      'a secret ref with extras',
      {
        parameters: { size: 'small' },
        writeConnectionSecretToRef: { name: 'x', key: 'y' },
      },
      /writeConnectionSecretToRef.key is not a field/,
    ],
    [
      'an unknown top-level field',
      { parameters: { size: 'small' }, replicas: 3 },
      /spec.replicas is not a field/,
    ],
  ];
  for (const [name, spec, message] of specs) {
    provision(`spec: ${name}`, { spec, component }, 400, message);
    post('update', `spec: ${name}`, { spec }, 400, message);
  }

  // Bodies over 256 KB.
  const huge = { parameters: { size: 'small', note: 'n'.repeat(300 * 1024) } };
  provision('a 300 KB spec', { spec: huge, component }, 413, /at most 256 KB/);
  post('update', 'a 300 KB spec', { spec: huge }, 413, /at most 256 KB/);
  post(
    'approval',
    'a 300 KB comment',
    { requestId: 'r', approved: true, comment: 'c'.repeat(300 * 1024) },
    413,
    /at most 256 KB/,
  );

  // Not JSON.
  provision('a body that is not JSON', undefined, 400, /not valid JSON/, {
    raw: { type: 'application/json', data: '{"spec": ' },
  });
  provision('a body as text', undefined, 400, /body|content|media|type/i, {
    raw: { type: 'text/plain', data: 'spec=small' },
  });

  // Missing and forged credentials.
  for (const [name, authorization] of [
    ['no credentials', undefined],
    [
      'a forged token',
      'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyOmRlZmF1bHQvcGF0In0.forged',
    ],
    ['a mangled mock token', mockCredentials.user.invalidHeader()],
    ['basic auth', `Basic ${Buffer.from('pat:secret').toString('base64')}`],
    [
      'a service token that is not one',
      mockCredentials.service.invalidHeader(),
    ],
  ] as const) {
    for (const [method, path, body] of [
      [
        'post',
        `${pathOf(ref({ name: 'new-db' }))}/provision`,
        { spec: good, component },
      ],
      ['post', `${pathOf(ref())}/deprovision`, {}],
      ['get', `${API}/resources`, undefined],
    ] as const)
      cases.push({
        name: `${name}: ${method} ${path.split('/').slice(-1)[0]}`,
        as: 'none',
        authorization,
        method,
        path,
        body,
        status: 401,
        message: /./,
      });
  }

  // Dry runs are checked as the requests they stand for: the same refusals, nothing written.
  const dryProvision = (
    name: string,
    body: unknown,
    status: number,
    message: RegExp,
    over: Partial<BadRequest> = {},
  ) =>
    provision(`dry run: ${name}`, body, status, message, {
      path: `${pathOf(ref({ name: 'new-db' }))}/provision/dry-run`,
      ...over,
    });
  for (const field of ['requestedBy', 'impersonate', 'policy', 'approvers']) {
    dryProvision(
      `smuggles ${field}`,
      { spec: good, component, [field]: smuggled[field] },
      400,
      new RegExp(`${field} is not a field of`),
    );
    post(
      'update/dry-run',
      `smuggles ${field}`,
      { spec: good, [field]: smuggled[field] },
      400,
      new RegExp(`${field} is not a field of`),
    );
  }
  post(
    'deprovision/dry-run',
    'smuggles requestedBy',
    { requestedBy: 'user:default/bob' },
    400,
    /requestedBy is not a field of/,
  );
  for (const [name, spec, message] of specs) {
    dryProvision(`spec: ${name}`, { spec, component }, 400, message);
    post('update/dry-run', `spec: ${name}`, { spec }, 400, message);
  }
  for (const [user, namespace, owner] of [
    ['alice', 'team-beta', 'group:default/team-alpha'],
    ['bob', 'team-alpha', 'group:default/team-beta'],
  ] as const)
    dryProvision(
      `${user} in ${namespace}`,
      { spec: good, owner },
      403,
      /not one your groups may use/,
      {
        as: user,
        path: `${pathOf(
          ref({ namespace, name: 'elsewhere-db' }),
        )}/provision/dry-run`,
      },
    );
  dryProvision(
    'a 300 KB spec',
    { spec: huge, component },
    413,
    /at most 256 KB/,
  );
  dryProvision('no credentials', { spec: good, component }, 401, /./, {
    as: 'none',
  });
  dryProvision(
    'a component of another team',
    { spec: good, component: 'component:default/billing-service' },
    403,
    /may not provision .* for group:default\/team-beta/,
  );

  // Forged entity refs and other owners.
  provision(
    'a component of another team',
    { spec: good, component: 'component:default/billing-service' },
    403,
    /may not provision .* for group:default\/team-beta/,
  );
  provision(
    'a component that does not exist',
    { spec: good, component: 'component:default/no-such-service' },
    400,
    /not in the catalog/,
  );
  provision(
    'an owner of another team',
    { spec: good, owner: 'group:default/team-beta' },
    403,
    /may not provision .* for group:default\/team-beta/,
  );
  provision(
    'the platform team as owner',
    { spec: good, owner: 'group:default/platform-team' },
    403,
    /may not provision/,
  );
  provision(
    "an owner that is not the component's",
    { spec: good, component, owner: 'group:default/team-beta' },
    400,
    /is not the owner of component:default\/checkout-service/,
  );
  provision(
    'guest provisions',
    { spec: good, component },
    403,
    /may not provision|on behalf of a user|namespace/,
    { as: 'guest' },
  );
  post(
    'approval',
    "bob decides alice's request",
    { requestId: 'guarded-1', approved: true },
    403,
    /may not decide approvals/,
  );
  cases[cases.length - 1].as = 'bob';

  // Query parameters.
  for (const query of [
    'limit=0',
    'limit=501',
    'limit=ten',
    'phase=Bogus',
    'cursor=not-a-cursor',
    'entityRef=nope',
    'owner=group%3Adefault%2F',
    'unknown=1',
    'namespace=Team_Alpha',
  ])
    cases.push({
      name: `list ?${query}`,
      method: 'get',
      path: `${API}/resources?${query}`,
      status: 400,
      message: /./,
    });
  cases.push({
    name: 'kinds ?cluster=Bad_Name',
    method: 'get',
    path: `${API}/kinds?cluster=Bad_Name`,
    status: 400,
    message: /cluster/,
  });
  return cases;
}

describe('bad requests', () => {
  const logger = recordingLogger();
  let t: ApiTestBackend;
  const cases = generate();

  beforeAll(async () => {
    t = await startApiTestBackend({ features: [logger.factory] });
    const provisioned = await t.waitFor('the XRDs in the cache', async () => {
      const res = await t.call('alice', 'post', `${pathOf(ref())}/provision`, {
        requestId: 'guarded-1',
        spec: good,
        component,
      });
      return res.status === 202 ? res : undefined;
    });
    if (!provisioned.body.firstTime)
      throw new Error('the resource the bad requests aim at was there before');
    await t.waitFor('guarded-db Ready', async () => {
      const res = await t.call('alice', 'get', pathOf(ref()));
      return res.body.phase === 'Ready';
    });
  });

  afterAll(async () => {
    await t?.stop();
  });

  it(`answers each of ${cases.length} bad requests with a 4xx that says what to fix, and writes nothing`, async () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    const { lastSeq } = await t.cluster.sim.admin.audit();
    const secrets = [fs.readFileSync(t.cluster.tokenFile, 'utf8').trim()];
    const forged: string[] = [];
    const answers: string[] = [];
    const failures: string[] = [];
    for (const c of cases) {
      let res: request.Response;
      if (c.raw || c.authorization !== undefined || c.as === 'none') {
        let req = request(t.server)[c.method](c.path);
        const authorization =
          c.authorization ??
          (c.as === 'none'
            ? undefined
            : mockCredentials.user.header(userRef(c.as ?? 'alice')));
        if (authorization) {
          req = req.set('Authorization', authorization);
          // Backstage's mock credentials name a token they do not know in their refusal; the
          // real ones (packages/backend's tests) do not. Valid tokens must never show.
          if (!c.authorization) secrets.push(authorization.split(' ')[1]);
          else forged.push(authorization.split(' ')[1]);
        }
        if (c.raw) req = req.set('Content-Type', c.raw.type).send(c.raw.data);
        else if (c.body !== undefined) req = req.send(c.body as object);
        res = await req;
      } else {
        res = await t.call(c.as ?? 'alice', c.method, c.path, c.body);
      }
      answers.push(res.text);
      // SHOW_MESSAGES=1 prints every answer, to read what callers are told.
      if (process.env.SHOW_MESSAGES)
        process.stdout.write(
          `${c.name} => ${res.status} ${res.body?.error?.message}\n`,
        );
      const message: string = res.body?.error?.message ?? '';
      if (
        res.status !== c.status ||
        !c.message.test(message) ||
        message.length < 10
      )
        failures.push(
          `${c.name}: ${res.status} ${JSON.stringify(message)} (expected ${
            c.status
          } ${c.message})`,
        );
      if (res.body?.error?.stack)
        failures.push(`${c.name}: the answer carries a stack trace`);
    }
    expect(failures).toEqual([]);

    // Nothing was written to the cluster: no create, update, patch or delete that was not a dry run.
    const { records } = await t.cluster.sim.admin.audit({ sinceSeq: lastSeq });
    const writes = records.filter(
      r => !['get', 'list', 'watch'].includes(r.verb) && !r.dryRun,
    );
    expect(writes).toEqual([]);

    // No credential in any answer or log line.
    const logged = logger.lines.map(l => JSON.stringify(l));
    expect(secrets[0].length).toBeGreaterThan(12);
    for (const secret of secrets.filter(s => s.length > 12)) {
      expect(answers.filter(a => a.includes(secret))).toEqual([]);
      expect(logged.filter(l => l.includes(secret))).toEqual([]);
    }
    for (const token of forged.filter(s => s.length > 12))
      expect(logged.filter(l => l.includes(token))).toEqual([]);
    // No answer was a server error, and the backend still serves.
    expect(logger.lines.filter(l => l.level === 'error')).toEqual([]);
    expect((await t.call('alice', 'get', pathOf(ref()))).body.phase).toBe(
      'Ready',
    );
  });
});
