/*
 * An AI assistant's path to the crossplane-temporal operations: an MCP client speaks Streamable
 * HTTP to the MCP actions backend, which offers the actions the crossplane-temporal plugin
 * registered and invokes them through Backstage's actions service as the signed-in user. The
 * actions call the REST API with that user's credentials; here the API is its stand-in (a
 * real plugin validating against the OpenAPI document) until the backend plugin serves it.
 */
import {
  actionsRegistryServiceFactory,
  actionsServiceFactory,
} from '@backstage/backend-defaults/alpha';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import mcpActionsPlugin from '@backstage/plugin-mcp-actions-backend';
import { crossplaneTemporalActionsModule } from '@crossplane-temporal/plugin-crossplane-temporal-node/alpha';
import {
  readOpenApiDocument,
  SAMPLE_RESOURCE_REF as ref,
  startCrossplaneTemporalApiFake,
} from '@crossplane-temporal/plugin-crossplane-temporal-node/testUtils';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { AddressInfo } from 'node:net';

// A backend starts and an MCP session runs: seconds on a busy machine.
jest.setTimeout(60_000);

describe('crossplane-temporal actions over MCP', () => {
  let started: Awaited<ReturnType<typeof startCrossplaneTemporalApiFake>>;

  beforeAll(async () => {
    started = await startCrossplaneTemporalApiFake(
      {
        document: readOpenApiDocument(
          require.resolve(
            '@crossplane-temporal/plugin-crossplane-temporal-backend/src/schema/openapi.yaml',
          ),
        ),
      },
      [
        crossplaneTemporalActionsModule,
        mcpActionsPlugin,
        actionsRegistryServiceFactory,
        actionsServiceFactory,
        mockServices.rootConfig.factory({
          data: {
            backend: { actions: { pluginSources: ['crossplane-temporal'] } },
          },
        }),
      ],
    );
  });
  afterAll(async () => {
    await started?.backend.stop();
  });

  async function connectAs(userEntityRef: string) {
    const { port } = started.backend.server.address() as AddressInfo;
    const transport = new StreamableHTTPClientTransport(
      new URL(`http://localhost:${port}/api/mcp-actions/v1`),
      {
        requestInit: {
          headers: {
            Authorization: mockCredentials.user.header(userEntityRef),
          },
        },
      },
    );
    const client = new Client({ name: 'test-assistant', version: '1.0.0' });
    await client.connect(transport);
    return client;
  }

  it('offers the operations as tools and runs them as the signed-in user', async () => {
    const client = await connectAs('user:default/alice');
    try {
      const { tools } = await client.listTools();
      expect(tools.map(t => t.name).sort()).toEqual([
        'crossplane-temporal.decide-resource-approval',
        'crossplane-temporal.deprovision-resource',
        'crossplane-temporal.get-resource-status',
        'crossplane-temporal.list-requestable-kinds',
        'crossplane-temporal.list-resources',
        'crossplane-temporal.provision-resource',
        'crossplane-temporal.retry-resource',
        'crossplane-temporal.update-resource',
      ]);
      expect(
        tools.find(t => t.name === 'crossplane-temporal.get-resource-status')
          ?.annotations?.readOnlyHint,
      ).toBe(true);

      const provisioned = await client.callTool({
        name: 'crossplane-temporal.provision-resource',
        arguments: {
          ...ref,
          spec: { parameters: { storageGB: 20 } },
          component: 'component:default/checkout-service',
          requestId: 'assistant-request-1',
        },
      });
      expect(provisioned.isError).toBeFalsy();
      expect(JSON.stringify(provisioned.content)).toContain(
        'assistant-request-1',
      );

      const status = await client.callTool({
        name: 'crossplane-temporal.get-resource-status',
        arguments: ref,
      });
      expect(JSON.stringify(status.content)).toContain('Pending');

      expect(
        started.fake.calls.map(c => [
          c.method,
          c.path.split('/').pop(),
          c.principal,
        ]),
      ).toEqual([
        ['POST', 'provision', 'user:default/alice'],
        ['GET', 'orders-db', 'user:default/alice'],
      ]);
    } finally {
      await client.close();
    }
  });

  it("gives the API's refusal back to the assistant as the tool's error", async () => {
    const client = await connectAs('user:default/bob');
    try {
      const refused = await client.callTool({
        name: 'crossplane-temporal.provision-resource',
        arguments: { ...ref, namespace: 'team-gamma', spec: {} },
      });
      expect(refused.isError).toBe(true);
      expect(JSON.stringify(refused.content)).toContain(
        "NotAllowedError: your groups may not use namespace 'team-gamma'",
      );
      expect(started.fake.calls.at(-1)).toMatchObject({
        principal: 'user:default/bob',
        status: 403,
      });
    } finally {
      await client.close();
    }
  });
});
