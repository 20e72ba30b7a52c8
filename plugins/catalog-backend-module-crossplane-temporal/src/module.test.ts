/*
 * The module in a real backend with the real catalog: templates, API entities and Resource
 * entities reach the catalog through its processing, change as their sources change, and every
 * XRD's report is logged, counted and kept.
 */
import path from 'node:path';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { permissionRules } from '@backstage/plugin-catalog-backend/alpha';
import scaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { DEFAULT_FIXTURES } from '@crossplane-temporal/kube-sim';
import { processedResourceEntity } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import fs from 'node:fs';
import {
  InMemoryResourceSource,
  InMemoryXrdSource,
  sourcesModule,
} from './__testUtils__/inMemorySources';
import { recordingLogger, recordingMetrics } from './__testUtils__/recordingServices';
import { waitFor } from './__testUtils__/waitFor';
import { readYamlDocuments } from './__testUtils__/xrdCases';
import type { CompositeResourceDefinition } from './generator';
import { catalogModuleCrossplaneTemporal } from './module';
import { xrdReportServiceRef, type XrdReportStore } from './report/XrdReportStore';

jest.setTimeout(180_000);

function fixtureXrds(): CompositeResourceDefinition[] {
  return fs
    .readdirSync(DEFAULT_FIXTURES)
    .filter(f => f.endsWith('.yaml'))
    .flatMap(f => readYamlDocuments(path.join(DEFAULT_FIXTURES, f)))
    .filter(d => d.kind === 'CompositeResourceDefinition');
}

/** The XRD as Crossplane reports it once it serves its kinds. */
function established(xrd: CompositeResourceDefinition): CompositeResourceDefinition {
  return {
    ...xrd,
    status: {
      conditions: [
        { type: 'Established', status: 'True' },
        { type: 'Offered', status: 'True' },
      ],
    },
  };
}

/** A copy of the first fixture XRD that offers another claim kind, in another group. */
function anotherXrd(kind: string, group: string): CompositeResourceDefinition {
  const xrd = established(structuredClone(fixtureXrds()[0]));
  const plural = `${kind.toLowerCase()}s`;
  xrd.metadata.name = `x${plural}.${group}`;
  xrd.spec.group = group;
  xrd.spec.names = { kind: `X${kind}`, plural: `x${plural}` };
  xrd.spec.claimNames = { kind, plural };
  return xrd;
}

/** The demo organisation's component and system, as another provider gives them. */
const organisation = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'test-organisation',
  register(reg) {
    reg.registerInit({
      deps: { catalog: catalogProcessingExtensionPoint },
      async init({ catalog }) {
        const entities: Entity[] = [
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: { name: 'checkout-service' },
            spec: { type: 'service', lifecycle: 'production', owner: 'group:default/team-alpha', system: 'shop' },
          },
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'System',
            metadata: { name: 'shop' },
            spec: { owner: 'group:default/platform-team' },
          },
        ];
        catalog.addEntityProvider({
          getProviderName: () => 'test-organisation',
          connect: async connection =>
            connection.applyMutation({
              type: 'full',
              entities: entities.map(entity => ({
                entity: {
                  ...entity,
                  metadata: {
                    ...entity.metadata,
                    annotations: {
                      'backstage.io/managed-by-location': 'test:organisation',
                      'backstage.io/managed-by-origin-location': 'test:organisation',
                    },
                  },
                },
                locationKey: 'test:organisation',
              })),
            }),
        });
      },
    });
  },
});

describe('the crossplane-temporal catalog module', () => {
  const xrds = new InMemoryXrdSource();
  const resources = new InMemoryResourceSource();
  const logger = recordingLogger();
  const metrics = recordingMetrics();
  let reports: XrdReportStore;
  let baseUrl: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    for (const xrd of fixtureXrds()) xrds.apply('local', established(xrd), { quietly: true });
    let captured: XrdReportStore | undefined;
    const backend = await startTestBackend({
      features: [
        catalogPlugin,
        scaffolderEntityModel,
        catalogModuleCrossplaneTemporal,
        sourcesModule({ xrds, resources }),
        organisation,
        logger.factory,
        metrics.factory,
        // The real scheduler, so the full refresh runs on its configured schedule.
        schedulerServiceFactory,
        createBackendModule({
          pluginId: 'catalog',
          moduleId: 'test-report-reader',
          register(reg) {
            reg.registerInit({
              deps: { reports: xrdReportServiceRef },
              async init(deps) {
                captured = deps.reports;
              },
            });
          },
        }),
        mockServices.rootConfig.factory({
          data: {
            app: { baseUrl: 'http://localhost:3000' },
            catalog: {
              providers: {
                crossplaneTemporal: {
                  templates: { schedule: { frequency: { seconds: 2 }, timeout: { seconds: 60 } } },
                  resources: {
                    discoveredOwner: 'group:default/platform-team',
                    includeDiscovered: true,
                    schedule: { frequency: { seconds: 2 }, timeout: { seconds: 60 } },
                  },
                },
              },
            },
          },
        }),
      ],
    });
    reports = captured!;
    baseUrl = `http://localhost:${backend.server.port()}`;
    stop = () => backend.stop();
  });

  afterAll(() => stop?.());

  async function entity(kind: string, name: string): Promise<Entity | undefined> {
    const response = await fetch(
      `${baseUrl}/api/catalog/entities/by-name/${kind}/default/${encodeURIComponent(name)}`,
      { headers: { authorization: mockCredentials.user.header() } },
    );
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`catalog answered ${response.status}`);
    return (await response.json()) as Entity;
  }

  const processed = (kind: string, name: string) =>
    waitFor(`${kind} ${name} in the catalog, processed`, async () => {
      const e = await entity(kind, name);
      return e?.relations && e.relations.length > 0 ? e : undefined;
    });

  it('puts a template per fixture XRD, and its API entity, through the catalog, related to each other', async () => {
    const template = await processed('template', 'postgresqlinstance-v1alpha1.database.example.org');
    expect(template.spec).toMatchObject({ type: 'database', owner: 'group:default/platform-team' });
    expect(template.metadata.title).toBe('PostgreSQL database');
    expect(template.relations).toEqual(
      expect.arrayContaining([
        { type: 'dependsOn', targetRef: 'api:default/postgresqlinstance.database.example.org' },
        { type: 'ownedBy', targetRef: 'group:default/platform-team' },
      ]),
    );
    const api = await waitFor('the API entity to list the template as a dependent', async () => {
      const e = await entity('api', 'postgresqlinstance.database.example.org');
      return e?.relations?.some(r => r.type === 'dependencyOf') ? e : undefined;
    });
    expect(api.spec).toMatchObject({ type: 'openapi' });
    expect(await processed('template', 'queue-v1alpha1.messaging.example.org')).toBeDefined();
    expect(reports.list().map(r => [r.xrd, r.outcome])).toEqual(
      expect.arrayContaining([
        ['xpostgresqlinstances.database.example.org', 'generated'],
        ['queues.messaging.example.org', 'generated'],
      ]),
    );
  });

  it('adds the template of an XRD applied while it runs, and removes it when the XRD goes', async () => {
    const xrd = anotherXrd('Cache', 'runtime.example.org');
    const started = Date.now();
    xrds.apply('local', xrd);
    await processed('template', 'cache-v1alpha1.runtime.example.org');
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeLessThan(10);

    xrds.delete('local', xrd.metadata.name);
    await waitFor('the template to leave the catalog', async () =>
      (await entity('template', 'cache-v1alpha1.runtime.example.org')) === undefined,
    );
    expect(reports.get(xrd.metadata.name)).toBeUndefined();
  });

  it('finds a change its source did not announce at the next scheduled full refresh', async () => {
    const xrd = anotherXrd('Quiet', 'quiet.example.org');
    xrds.apply('local', xrd, { quietly: true });
    const template = await processed('template', 'quiet-v1alpha1.quiet.example.org');
    expect(template.metadata.annotations?.['crossplane-temporal.io/xrd']).toBe(xrd.metadata.name);
    expect(reports.get(xrd.metadata.name)?.outcome).toBe('generated');
  });

  it('reports an XRD that cannot be generated: a log line, a metric, the report', async () => {
    const broken = anotherXrd('Broken', 'broken.example.org');
    broken.metadata.annotations = { 'crossplane-temporal.io/approval': 'provision' };
    xrds.apply('local', broken);
    const report = await waitFor('the broken XRD report', async () => reports.get(broken.metadata.name));
    expect(report).toMatchObject({ outcome: 'failed', templates: [] });
    const line = await waitFor('the log line', async () =>
      logger.lines.find(l => l.fields.xrd === broken.metadata.name && l.level === 'warn'),
    );
    expect(line.message).toContain('no template');
    expect(line.fields.problems).toContain('nobody may approve');
    // The fixtures' own broken XRD (analytics workspace) fails too.
    expect(await metrics.collect('crossplane_temporal.catalog.xrds')).toEqual(
      expect.arrayContaining([{ value: 2, attributes: { outcome: 'failed' } }]),
    );
    expect(await metrics.collect('crossplane_temporal.catalog.xrd_problems')).toEqual(
      expect.arrayContaining([
        { value: 1, attributes: { reason: 'InvalidSetting', severity: 'error' } },
        { value: 1, attributes: { reason: 'ConflictingOverrides', severity: 'error' } },
        { value: 1, attributes: { reason: 'UnsupportedSchema', severity: 'error' } },
      ]),
    );
    // The API entity stays, so the offering is visible; no template reaches Create.
    await processed('api', 'broken.broken.example.org');
    expect(await entity('template', 'broken-v1alpha1.broken.example.org')).toBeUndefined();
  });

  it('makes a Resource entity for a provisioned resource, with its owner, component and system, and removes it when it is deprovisioned', async () => {
    const resource = resources.upsert({
      ref: {
        cluster: 'local',
        apiVersion: 'database.example.org/v1alpha1',
        kind: 'PostgreSQLInstance',
        namespace: 'team-alpha',
        name: 'orders-db',
      },
      phase: 'Ready',
      owner: 'group:default/team-alpha',
      component: 'component:default/checkout-service',
      origin: 'provisioned',
    });
    const name = 'orders-db.postgresqlinstance.team-alpha.local';
    const found = await waitFor('the Resource entity with its system', async () => {
      const e = await entity('resource', name);
      return e?.spec?.system ? e : undefined;
    });
    expect(found.spec).toEqual({
      type: 'postgresqlinstance',
      owner: 'group:default/team-alpha',
      dependencyOf: ['component:default/checkout-service'],
      dependsOn: ['api:default/postgresqlinstance.database.example.org'],
      system: 'system:default/shop',
    });
    expect(found.metadata.annotations).toMatchObject({
      'crossplane-temporal.io/cluster': 'local',
      'crossplane-temporal.io/namespace': 'team-alpha',
      'crossplane-temporal.io/kind': 'PostgreSQLInstance',
      'crossplane-temporal.io/name': 'orders-db',
      'crossplane-temporal.io/workflow-id':
        'crossplane-resource/local/team-alpha/postgresqlinstance.database.example.org/orders-db',
    });
    // The backend decides permissions on common's description of the same resource, before
    // and after the catalog has its entity: the catalog's own isEntityOwner rule must answer
    // the same about both.
    const view = processedResourceEntity(resource);
    expect(found.metadata).toMatchObject({
      name: view.metadata.name,
      namespace: view.metadata.namespace,
      annotations: view.metadata.annotations,
    });
    expect(found.spec).toMatchObject(view.spec!);
    expect(
      found.relations!.filter(r => r.type === 'ownedBy' || r.type === 'dependencyOf'),
    ).toEqual(expect.arrayContaining(view.relations!));
    const isOwner = (e: Entity, claims: string[]) => permissionRules.isEntityOwner.apply(e, { claims });
    expect(isOwner(found, ['user:default/alice', 'group:default/team-alpha'])).toBe(true);
    expect(isOwner(found, ['user:default/bob', 'group:default/team-beta'])).toBe(false);
    for (const claims of [['group:default/team-alpha'], ['group:default/team-beta'], []])
      expect(isOwner(view, claims)).toBe(isOwner(found, claims));
    expect(found.metadata.links).toEqual([
      {
        url: 'http://localhost:3000/catalog/default/component/checkout-service/crossplane-resources',
        title: 'Resources of checkout-service',
      },
    ]);
    const component = await waitFor('the component to list the resource as a dependency', async () => {
      const e = await entity('component', 'checkout-service');
      return e?.relations?.some(r => r.type === 'dependsOn' && r.targetRef === `resource:default/${name}`)
        ? e
        : undefined;
    });
    expect(component).toBeDefined();

    resources.delete(resource);
    await waitFor('the Resource entity to leave the catalog', async () =>
      (await entity('resource', name)) === undefined,
    );
  });

  it('includes resources found on the cluster when configured, owned by the configured owner', async () => {
    resources.upsert({
      ref: {
        cluster: 'local',
        apiVersion: 'messaging.example.org/v1alpha1',
        kind: 'Queue',
        namespace: 'team-beta',
        name: 'legacy-events',
      },
      phase: 'Ready',
      origin: 'discovered',
    });
    const found = await processed('resource', 'legacy-events.queue.team-beta.local');
    expect(found.spec).toMatchObject({ owner: 'group:default/platform-team' });
    expect(found.spec).not.toHaveProperty('dependencyOf');
  });
});
