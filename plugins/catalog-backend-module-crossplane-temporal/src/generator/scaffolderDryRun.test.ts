/*
 * Generated templates run by the real scaffolder backend, through its dry-run API (what the
 * template editor calls): the scaffolder accepts the template and the form's values, renders the
 * provision step's input, and runs the action's dry run.
 *
 * The provision action is the scaffolder module's (another package); here a stand-in with the
 * same ID and input records what the scaffolder hands it.
 */
import path from 'node:path';
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import {
  createTemplateAction,
  scaffolderActionsExtensionPoint,
} from '@backstage/plugin-scaffolder-node';
import type { TemplateEntityV1beta3 } from '@backstage/plugin-scaffolder-common';
import {
  readYamlDocuments,
  templatesOf,
  TEST_DEFAULTS,
} from '../__testUtils__/xrdCases';
import { formValuesFor } from '../__testUtils__/scaffolderForm';
import { generateXrdEntities } from './generateXrdEntities';
import { PROVISION_ACTION } from './templateEntity';
import type { CompositeResourceDefinition } from './xrd';

jest.setTimeout(120_000);

const received: Array<{ input: any; isDryRun?: boolean }> = [];

const standInAction = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'provision-stand-in',
  register(reg) {
    reg.registerInit({
      deps: { scaffolder: scaffolderActionsExtensionPoint },
      async init({ scaffolder }) {
        scaffolder.addActions(
          createTemplateAction({
            id: PROVISION_ACTION,
            supportsDryRun: true,
            schema: {
              input: {
                cluster: z => z.string(),
                namespace: z => z.string(),
                apiVersion: z => z.string(),
                kind: z => z.string(),
                name: z => z.string(),
                owner: z => z.string(),
                component: z => z.string().optional(),
                spec: z => z.record(z.string(), z.unknown()),
                waitForReady: z => z.boolean().optional(),
              },
            },
            async handler(ctx) {
              received.push({ input: ctx.input, isDryRun: ctx.isDryRun });
              ctx.output('entityRef', `resource:default/${ctx.input.name}`);
              ctx.output('resourcesUrl', 'http://localhost:3000/catalog/default/component/checkout-service/crossplane-resources');
            },
          }),
        );
      },
    });
  },
});

const fixture = (file: string) => {
  const [xrd, ...examples] = readYamlDocuments(
    path.join(__dirname, '..', '__fixtures__', 'xrds', file),
  );
  const template = templatesOf(
    generateXrdEntities([{ cluster: 'local', xrd: xrd as CompositeResourceDefinition }], {
      defaults: TEST_DEFAULTS,
    }),
  ).find(t => t.metadata.annotations?.['crossplane-temporal.io/api-version'] === examples[0].apiVersion)!;
  return { template, example: examples[0] };
};

describe('generated templates in the scaffolder', () => {
  let baseUrl: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const backend = await startTestBackend({
      features: [
        scaffolderPlugin,
        standInAction,
        mockServices.rootConfig.factory({
          data: { app: { baseUrl: 'http://localhost:3000' }, backend: { baseUrl: 'http://localhost:7007' } },
        }),
      ],
    });
    baseUrl = `http://localhost:${backend.server.port()}`;
    stop = () => backend.stop();
  });

  afterAll(() => stop?.());

  const dryRun = (template: TemplateEntityV1beta3, values: unknown) =>
    fetch(`${baseUrl}/api/scaffolder/v2/dry-run`, {
      method: 'POST',
      headers: {
        authorization: mockCredentials.user.header('user:default/alice'),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ template, values, secrets: {}, directoryContents: [] }),
    });

  it.each(['app-extensions.yaml', 'aws-cluster.yaml', 'gcp-firewall.yaml'])(
    '%s: runs the provision step with the spec built from both pages, and gives the output links',
    async file => {
      const { template, example } = fixture(file);
      received.length = 0;
      const response = await dryRun(
        template,
        formValuesFor(template, example.spec, { name: example.metadata.name }),
      );
      const body = await response.json();
      expect({ status: response.status, error: body.error?.message }).toEqual({
        status: 200,
        error: undefined,
      });
      expect(received).toHaveLength(1);
      expect(received[0].isDryRun).toBe(true);
      const { writeConnectionSecretToRef, ...spec } = received[0].input.spec;
      expect(received[0].input).toMatchObject({
        cluster: 'local',
        namespace: 'team-alpha',
        apiVersion: example.apiVersion,
        kind: example.kind,
        name: example.metadata.name,
        owner: 'group:default/team-alpha',
        component: 'component:default/checkout-service',
        waitForReady: true,
      });
      expect(spec).toEqual(
        file === 'app-extensions.yaml'
          ? { ...example.spec, port: 'http' } // int-or-string is a string on the form
          : example.spec,
      );
      expect(body.output.links).toEqual([
        expect.objectContaining({ entityRef: `resource:default/${example.metadata.name}` }),
        expect.objectContaining({ url: expect.stringContaining('/crossplane-resources') }),
      ]);
    },
  );

  it('refuses values outside the form’s schema before running anything', async () => {
    const { template, example } = fixture('gcp-firewall.yaml');
    received.length = 0;
    const values = formValuesFor(template, example.spec, { name: 'Not_A_Name' });
    const response = await dryRun(template, values);
    expect(response.status).toBe(400);
    expect(received).toEqual([]);
  });
});
