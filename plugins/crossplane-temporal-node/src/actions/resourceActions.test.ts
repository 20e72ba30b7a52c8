import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { startFakeApi } from '../__testUtils__/startFakeApi';
import { registerResourceActions } from './resourceActions';
import { SAMPLE_RESOURCE_REF as ref } from '../testUtils';

// Each test starts a backend: seconds on a busy machine, well inside this budget.
jest.setTimeout(60_000);

const alice = mockCredentials.user('user:default/alice');
const pat = mockCredentials.user('user:default/pat');

describe('crossplane-temporal actions', () => {
  let started: Awaited<ReturnType<typeof startFakeApi>>;
  let registry: ReturnType<typeof actionsRegistryServiceMock>;

  beforeEach(async () => {
    started = await startFakeApi({
      provisionPhases: ['Pending', 'AwaitingApproval', 'Applying', 'Ready'],
    });
    registry = actionsRegistryServiceMock({
      logger: mockServices.logger.mock(),
    });
    registerResourceActions({ actionsRegistry: registry, api: started.api });
  });
  afterEach(async () => {
    await started.backend.stop();
  });

  it('offers the operations and the read-only status and lists', async () => {
    const { actions } = await registry.list();
    expect(
      actions.map(a => [
        a.name,
        a.attributes.readOnly,
        a.attributes.destructive,
      ]),
    ).toEqual([
      ['provision-resource', false, false],
      ['update-resource', false, true],
      ['deprovision-resource', false, true],
      ['decide-resource-approval', false, true],
      ['retry-resource', false, false],
      ['get-resource-status', true, false],
      ['list-resources', true, false],
      ['list-requestable-kinds', true, false],
    ]);
  });

  it("provisions, approves and reads status, each with the calling principal's credentials", async () => {
    const provisioned = await registry.invoke({
      id: 'test:provision-resource',
      input: {
        ...ref,
        spec: { parameters: { storageGB: 20 } },
        component: 'component:default/checkout-service',
        requestId: 'assistant-1',
      },
      credentials: alice,
    });
    expect(provisioned.output).toEqual({
      requestId: 'assistant-1',
      firstTime: true,
      workflowId: expect.any(String),
    });

    // Pending, then AwaitingApproval: the phase read moves the stand-in on.
    await started.api.getPhase(ref, { credentials: alice });
    const waiting = await registry.invoke({
      id: 'test:get-resource-status',
      input: ref,
      credentials: alice,
    });
    expect(waiting.output).toMatchObject({
      phase: 'AwaitingApproval',
      pendingApproval: {
        requestId: 'assistant-1',
        requestedBy: 'user:default/alice',
      },
    });

    await registry.invoke({
      id: 'test:decide-resource-approval',
      input: { ...ref, requestId: 'assistant-1', approved: true },
      credentials: pat,
    });

    const listed = await registry.invoke({
      id: 'test:list-resources',
      input: { namespace: 'team-alpha' },
      credentials: alice,
    });
    expect(listed.output).toMatchObject({
      items: [{ name: 'orders-db', phase: 'AwaitingApproval' }],
    });

    expect(
      started.fake.calls.map(c => [
        c.method,
        c.path.split('/').pop(),
        c.principal,
      ]),
    ).toEqual([
      ['POST', 'provision', 'user:default/alice'],
      ['GET', 'phase', 'user:default/alice'],
      ['GET', 'orders-db', 'user:default/alice'],
      ['POST', 'approval', 'user:default/pat'],
      ['GET', 'resources', 'user:default/alice'],
    ]);
  });

  it('passes refusals on with the API message', async () => {
    await expect(
      registry.invoke({
        id: 'test:deprovision-resource',
        input: ref,
        credentials: alice,
      }),
    ).rejects.toThrow(
      'PostgreSQLInstance team-alpha/orders-db on local does not exist',
    );
    await expect(
      registry.invoke({
        id: 'test:provision-resource',
        input: { ...ref, spec: {} },
        credentials: mockCredentials.service(),
      }),
    ).rejects.toThrow(/made on behalf of a user/);
  });

  it.each([
    ['a name that is not DNS-1123', { ...ref, name: 'Orders_DB' }],
    ['a namespace that is not DNS-1123', { ...ref, namespace: '-team' }],
    [
      'an apiVersion without a version',
      { ...ref, apiVersion: 'database.example.org' },
    ],
    ['a kind in lower case', { ...ref, kind: 'postgres' }],
    [
      'a field the action does not take',
      { ...ref, impersonate: 'user:default/pat' },
    ],
    ['a number for the cluster', { ...ref, cluster: 7 }],
  ])('refuses %s before calling the API', async (_what, input) => {
    await expect(
      registry.invoke({
        id: 'test:get-resource-status',
        input: input as any,
        credentials: alice,
      }),
    ).rejects.toThrow(/Invalid input to action/);
    expect(started.fake.calls).toEqual([]);
  });
});
