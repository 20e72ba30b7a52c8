import { ConfigReader } from '@backstage/config';
import { readCatalogModuleConfig } from './config';

describe('readCatalogModuleConfig', () => {
  it('has defaults for everything but the app URL', () => {
    const config = readCatalogModuleConfig(
      new ConfigReader({ app: { baseUrl: 'http://localhost:3000/' } }),
    );
    expect(config).toEqual({
      templates: {
        enabled: true,
        defaults: {
          entityNamespace: 'default',
          owner: 'group:default/platform-team',
          templateType: 'crossplane-resource',
          tags: ['crossplane'],
        },
        schedule: { frequency: { minutes: 30 }, timeout: { minutes: 5 } },
      },
      resources: {
        enabled: true,
        entityNamespace: 'default',
        includeDiscovered: false,
        discoveredOwner: undefined,
        schedule: { frequency: { minutes: 30 }, timeout: { minutes: 5 } },
      },
      xrds: new Map(),
      appBaseUrl: 'http://localhost:3000',
    });
  });

  it('reads the providers and the per-XRD settings', () => {
    const config = readCatalogModuleConfig(
      new ConfigReader({
        app: { baseUrl: 'https://backstage.example.org' },
        catalog: {
          providers: {
            crossplaneTemporal: {
              entityNamespace: 'platform',
              templates: {
                owner: 'group:platform/infra',
                type: 'infrastructure',
                tags: ['cloud'],
                schedule: { frequency: { minutes: 5 }, timeout: { minutes: 1 } },
              },
              resources: { enabled: false, includeDiscovered: true, discoveredOwner: 'group:default/ops' },
            },
          },
        },
        crossplaneTemporal: {
          xrds: [
            {
              name: 'xpostgresqlinstances.database.example.org',
              generate: 'api-only',
              tags: ['database'],
              policy: {
                approval: 'provision',
                approvers: ['group:default/platform-team', 'user:default/pat'],
                readyTimeout: '20m',
              },
              fields: [{ path: 'parameters.region', hidden: true }],
            },
          ],
        },
      }),
    );
    expect(config.templates.defaults).toEqual({
      entityNamespace: 'platform',
      owner: 'group:platform/infra',
      templateType: 'infrastructure',
      tags: ['cloud'],
    });
    expect(config.templates.schedule).toEqual({ frequency: { minutes: 5 }, timeout: { minutes: 1 } });
    expect(config.resources).toMatchObject({ enabled: false, includeDiscovered: true, discoveredOwner: 'group:default/ops' });
    expect(config.xrds.get('xpostgresqlinstances.database.example.org')).toMatchObject({
      generate: 'api-only',
      tags: ['database'],
      policy: {
        approval: 'provision',
        approvers: 'group:default/platform-team,user:default/pat',
        readyTimeout: '20m',
      },
      fields: [{ path: 'parameters.region', hidden: true }],
    });
  });

  it('refuses an XRD listed twice, saying which', () => {
    expect(() =>
      readCatalogModuleConfig(
        new ConfigReader({
          app: { baseUrl: 'http://localhost:3000' },
          crossplaneTemporal: { xrds: [{ name: 'a.example.org' }, { name: 'a.example.org' }] },
        }),
      ),
    ).toThrow('crossplaneTemporal.xrds lists a.example.org twice');
  });
});
