/*
 * The actions run by the scaffolder itself: the scaffolder plugin with this module, templates in
 * the catalog, tasks created over the scaffolder's HTTP API as alice. The crossplane-temporal API
 * is its stand-in (a real plugin, validating against the OpenAPI document).
 */
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import request from 'supertest';
import { ref, spec, startFakeApi } from './__testUtils__/fakeApi';
import { scaffolderModuleCrossplaneTemporal } from './module';

// Backends start and tasks run their steps: seconds each on a busy machine.
jest.setTimeout(120_000);

const aliceHeader = mockCredentials.user.header('user:default/alice');

function template(
  name: string,
  steps: Array<{ id: string; action: string; input: object }>,
): Entity {
  return {
    apiVersion: 'scaffolder.backstage.io/v1beta3',
    kind: 'Template',
    metadata: { name, namespace: 'default' },
    spec: {
      type: 'resource',
      owner: 'group:default/platform-team',
      parameters: [],
      steps,
      output: {
        links: [
          {
            title: 'Resource',
            url: '${{ steps.provision.output.entityPageUrl }}',
          },
        ],
      },
    },
  } as Entity;
}

const provisionInput = {
  ...ref,
  owner: 'group:default/team-alpha',
  component: 'component:default/checkout-service',
  spec,
  waitForReady: true,
};

const lifecycle = template('database-lifecycle', [
  {
    id: 'provision',
    action: 'crossplane:resource:provision',
    input: provisionInput,
  },
  {
    id: 'update',
    action: 'crossplane:resource:update',
    input: { ...ref, spec: { parameters: { storageGB: 50 } } },
  },
  { id: 'deprovision', action: 'crossplane:resource:deprovision', input: ref },
]);

/** Bad inputs, each to each action where the field applies. */
const badInputs: Array<[string, string, object]> = [];
const actions = {
  provision: provisionInput,
  update: { ...ref, spec },
  deprovision: ref,
} as const;
const mistakes: Array<[string, object]> = [
  ['a cluster of the wrong type', { cluster: 7 }],
  ['a namespace with capitals', { namespace: 'Team-Alpha' }],
  ['a namespace ending in a dash', { namespace: 'team-alpha-' }],
  ['a namespace longer than 63 characters', { namespace: 'a'.repeat(64) }],
  ['a name with an underscore', { name: 'orders_db' }],
  ['a name with a space', { name: 'orders db' }],
  ['a name longer than 253 characters', { name: 'a'.repeat(254) }],
  ['an empty name', { name: '' }],
  ['an apiVersion without its version', { apiVersion: 'database.example.org' }],
  ['a kind in lower case', { kind: 'postgresqlinstance' }],
  ['a field the action does not take', { impersonate: 'user:default/pat' }],
];
for (const [action, input] of Object.entries(actions)) {
  for (const [what, change] of mistakes) {
    badInputs.push([`${action} with ${what}`, action, { ...input, ...change }]);
  }
}
for (const action of ['provision', 'update'] as const) {
  badInputs.push(
    [
      `${action} with a spec that is a string`,
      action,
      { ...actions[action], spec: 'big' },
    ],
    [
      `${action} with a spec that is a list`,
      action,
      { ...actions[action], spec: [1, 2] },
    ],
    [
      `${action} with a spec over 256 KB`,
      action,
      { ...actions[action], spec: { blob: 'x'.repeat(300 * 1024) } },
    ],
  );
}
badInputs.push(
  [
    'provision with waitForReady as a string',
    'provision',
    { ...provisionInput, waitForReady: 'yes' },
  ],
  [
    'provision with a component that is not a ref',
    'provision',
    { ...provisionInput, component: 'component:' },
  ],
  ['provision without a spec', 'provision', { ...ref }],
);

const badTemplates = badInputs.map(([, action, input], i) =>
  template(`bad-${i}`, [
    { id: 'step', action: `crossplane:resource:${action}`, input },
  ]),
);

describe('the actions in the scaffolder', () => {
  let started: Awaited<ReturnType<typeof startFakeApi>>;

  beforeAll(async () => {
    started = await startFakeApi({}, [
      scaffolderPlugin,
      scaffolderModuleCrossplaneTemporal,
      catalogServiceMock.factory({ entities: [lifecycle, ...badTemplates] }),
      mockServices.rootConfig.factory({
        data: { app: { baseUrl: 'http://localhost:3000' } },
      }),
    ]);
  });
  afterAll(async () => {
    await started?.backend.stop();
  });

  async function runTask(templateName: string) {
    const server = started.backend.server;
    const created = await request(server)
      .post('/api/scaffolder/v2/tasks')
      .set('Authorization', aliceHeader)
      .send({ templateRef: `template:default/${templateName}`, values: {} });
    expect(created.status).toBe(201);
    const taskId = created.body.id;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const task = await request(server)
        .get(`/api/scaffolder/v2/tasks/${taskId}`)
        .set('Authorization', aliceHeader);
      if (['completed', 'failed', 'cancelled'].includes(task.body.status)) {
        const events = await request(server)
          .get(`/api/scaffolder/v2/tasks/${taskId}/events`)
          .set('Authorization', aliceHeader);
        return { task: task.body, events: events.body as any[] };
      }
      if (Date.now() > deadline) {
        throw new Error(
          `task ${taskId} (${templateName}) still ${task.body.status} after 60 s`,
        );
      }
      await new Promise(resolve => setTimeout(resolve, 100));
    }
  }

  it('runs provision, update and deprovision as alice, with progress in the task log', async () => {
    const { task, events } = await runTask('database-lifecycle');
    const messages = events.map(e => e.body.message as string);
    expect(task.status).toBe('completed');
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('orders-db: Validating'),
        expect.stringContaining(
          'PostgreSQLInstance team-alpha/orders-db: Ready (Crossplane reports it Ready)',
        ),
        expect.stringMatching(
          /change to PostgreSQLInstance team-alpha\/orders-db was accepted/,
        ),
        expect.stringMatching(
          /Deprovisioning PostgreSQLInstance team-alpha\/orders-db was accepted/,
        ),
      ]),
    );
    const completion = events.find(e => e.type === 'completion');
    expect(completion.body.output.links).toEqual([
      {
        title: 'Resource',
        url: 'http://localhost:3000/catalog/default/resource/orders-db.postgresqlinstance.team-alpha.local',
      },
    ]);
    expect(
      started.fake
        .acceptedWrites()
        .map(c => [c.path.split('/').pop(), c.principal]),
    ).toEqual([
      ['provision', 'user:default/alice'],
      ['update', 'user:default/alice'],
      ['deprovision', 'user:default/alice'],
    ]);
  });

  it(`refuses ${badInputs.length} generated bad inputs, each saying what is wrong, sending nothing`, async () => {
    const writesBefore = started.fake.acceptedWrites().length;
    const callsBefore = started.fake.calls.length;
    const outcomes = [];
    for (const [i, [what]] of badInputs.entries()) {
      const { task, events } = await runTask(`bad-${i}`);
      const failure = events.find(e => e.type === 'completion')?.body;
      outcomes.push({
        what,
        status: task.status,
        message: failure?.error?.message ?? failure?.message,
      });
    }
    for (const outcome of outcomes) {
      expect(outcome).toEqual({
        what: outcome.what,
        status: 'failed',
        message: expect.stringMatching(
          /^Invalid input (passed )?to (action )?crossplane:resource:\w+.*(is not|must be|not allowed|requires|at most|expected)/s,
        ),
      });
    }
    expect(started.fake.calls.length).toBe(callsBefore);
    expect(started.fake.acceptedWrites().length).toBe(writesBefore);
  });
});
