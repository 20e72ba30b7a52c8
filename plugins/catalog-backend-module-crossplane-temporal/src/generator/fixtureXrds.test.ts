/*
 * The generator against the local stack's XRDs, as the cluster simulator serves them (with the
 * status its Crossplane controllers report). The claims the forms build are accepted by the
 * cluster and become Ready through the fixtures' compositions; the bad values the forms refuse
 * are refused by the cluster too, where the simulator checks that keyword.
 */
import * as k8s from '@kubernetes/client-node';
import { startKubeSim, type KubeSim } from '@crossplane-temporal/kube-sim';
import {
  checkXrd,
  templateFor,
  templatesOf,
  TEST_DEFAULTS,
  versionSpecSchema,
} from '../__testUtils__/xrdCases';
import {
  deepMerge,
  formDefaults,
  formErrors,
  formValuesFor,
  renderStepInput,
  splitSpec,
} from '../__testUtils__/scaffolderForm';
import { violationsOf } from '../__testUtils__/violations';
import { waitFor } from '../__testUtils__/waitFor';
import { generateXrdEntities, type GeneratedXrd } from './generateXrdEntities';
import type { CompositeResourceDefinition } from './xrd';

jest.setTimeout(180_000);

/** An example request for each fixture XRD that makes a template. */
const EXAMPLES: Record<string, { apiVersion: string; kind: string; spec: any }> = {
  'xpostgresqlinstances.database.example.org': {
    apiVersion: 'database.example.org/v1alpha1',
    kind: 'PostgreSQLInstance',
    spec: { parameters: { size: 'medium', version: '17', storageGB: 50, region: 'us-east-1' } },
  },
  'xbuckets.storage.example.org': {
    apiVersion: 'storage.example.org/v1alpha1',
    kind: 'Bucket',
    spec: { parameters: { region: 'us-east-1', versioning: true, publicAccess: false } },
  },
  'queues.messaging.example.org': {
    apiVersion: 'messaging.example.org/v1alpha1',
    kind: 'Queue',
    spec: { parameters: { fifo: true, retentionHours: 48 } },
  },
  'caches.cache.example.org': {
    apiVersion: 'cache.example.org/v1alpha1',
    kind: 'Cache',
    spec: {
      parameters: {
        memoryMB: 1024,
        engine: 'redis',
        persistence: { enabled: true, snapshotEveryMinutes: 30 },
        allowedCidrs: ['10.0.0.0/8'],
        users: [{ name: 'checkout', access: 'readwrite' }],
        labels: { team: 'alpha' },
        eviction: { policy: 'volatile-lru', maxMemoryPercent: 80 },
      },
    },
  },
  'xdnsrecords.network.example.org': {
    apiVersion: 'network.example.org/v1alpha1',
    kind: 'DNSRecord',
    spec: {
      parameters: { host: 'checkout', type: 'CNAME', ttlSeconds: 600, values: ['lb.shop.example.org'] },
    },
  },
};

/** The keywords the simulator's API server checks on write (as Kubernetes does, and more). */
const CHECKED_BY_SIMULATOR = new Set([
  'type',
  'enum',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'required',
  'values.type',
  'values.maxLength',
]);

describe('the local stack XRDs', () => {
  let sim: KubeSim;
  let api: k8s.KubernetesObjectApi;
  const generated = new Map<string, GeneratedXrd>();
  const xrds = new Map<string, CompositeResourceDefinition>();

  beforeAll(async () => {
    sim = await startKubeSim({ port: 0, providerDelayMs: 20 });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    api = k8s.KubernetesObjectApi.makeApiClient(kc);
    const list = await waitFor('every XRD Established', async () => {
      const all = [
        ...(await api.list('apiextensions.crossplane.io/v1', 'CompositeResourceDefinition')).items,
        ...(await api.list('apiextensions.crossplane.io/v2', 'CompositeResourceDefinition')).items,
      ] as unknown as CompositeResourceDefinition[];
      const unique = [...new Map(all.map(x => [x.metadata.name, x])).values()];
      return unique.length >= 7 &&
        unique.every(x => x.status?.conditions?.some(c => c.type === 'Established' && c.status === 'True'))
        ? unique
        : undefined;
    });
    for (const xrd of list) {
      xrds.set(xrd.metadata.name, xrd);
      generated.set(
        xrd.metadata.name,
        generateXrdEntities([{ cluster: 'local', xrd }], { defaults: TEST_DEFAULTS }),
      );
    }
  });

  afterAll(() => sim?.stop());

  it('makes a template for each XRD meant for one, and reports the others', () => {
    const outcomes = Object.fromEntries(
      [...generated].map(([name, g]) => [name, g.report.outcome]),
    );
    expect(outcomes).toEqual({
      'xpostgresqlinstances.database.example.org': 'generated',
      'xbuckets.storage.example.org': 'generated',
      'queues.messaging.example.org': 'generated',
      'caches.cache.example.org': 'generated',
      'xdnsrecords.network.example.org': 'generated',
      'xsharednetworks.network.example.org': 'disabled',
      'analyticsworkspaces.analytics.example.org': 'failed',
    });
    const broken = generated.get('analyticsworkspaces.analytics.example.org')!;
    expect(broken.report.problems.map(p => [p.severity, p.reason, p.field])).toEqual([
      ['error', 'ConflictingOverrides', 'parameters.tier'],
      ['error', 'UnsupportedSchema', 'settings'],
    ]);
    expect(broken.entities.map(e => e.kind)).toEqual(['API']);
    expect(generated.get('xsharednetworks.network.example.org')!.entities).toEqual([]);
  });

  it.each(Object.keys(EXAMPLES))(
    '%s: the form checks what the XRD checks, and its request is accepted and becomes Ready',
    async name => {
      const xrd = xrds.get(name)!;
      const example = EXAMPLES[name];
      const claim = {
        ...example,
        metadata: { name: 'from-form', namespace: 'team-alpha' },
      };
      const result = await checkXrd(xrd, [claim], generated.get(name)!);
      expect(result.reportedInstead).toEqual([]);
      expect(result.refused).toBeGreaterThan(0);

      const template = templateFor(generated.get(name)!, example.apiVersion);
      const object = (spec: any, objectName: string) => {
        const input = renderStepInput(template, formValuesFor(template, spec, { name: objectName }));
        return {
          apiVersion: input.apiVersion,
          kind: input.kind,
          metadata: { name: input.name, namespace: input.namespace },
          spec: input.spec,
        };
      };

      // What the form builds from the example, as made for real: it becomes Ready.
      const made = object(example.spec, `${example.kind.toLowerCase()}-example`);
      await api.create(made as any);
      await waitFor(`${made.kind} ${made.metadata.name} Ready`, async () => {
        const current: any = await api.read(made as any);
        return current.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
      });
      await api.delete(made as any);

      // The form's starting values with the example's typed over them: what the form submits.
      const submitted = deepMerge(formDefaults(template), formValuesFor(template, example.spec));
      expect(formErrors(template, submitted)).toEqual([]);
      const input = renderStepInput(template, submitted);
      await api.create(
        {
          apiVersion: input.apiVersion,
          kind: input.kind,
          metadata: { name: 'from-defaults', namespace: 'team-alpha' },
          spec: input.spec,
        } as any,
        undefined,
        'All',
      );

      // Every bad value the form refuses on a keyword the simulator checks, the cluster refuses.
      let checked = 0;
      for (const violation of violationsOf(versionSpecSchema(xrd, example.apiVersion.split('/')[1]), example.spec)) {
        if (!CHECKED_BY_SIMULATOR.has(violation.keyword)) continue;
        const values = formValuesFor(template, violation.spec);
        if (formErrors(template, values).length === 0) continue;
        const asked = splitSpec(template, violation.spec);
        if (asked.spec === undefined && asked.advanced === undefined) continue;
        const bad = { ...made, metadata: { name: 'refused', namespace: 'team-alpha' }, spec: violation.spec };
        const outcome = await api.create(bad as any, undefined, 'All').then(
          () => 'accepted',
          (error: any) => `refused ${error.code}`,
        );
        expect({ field: violation.field, keyword: violation.keyword, outcome }).toEqual({
          field: violation.field,
          keyword: violation.keyword,
          outcome: 'refused 422',
        });
        checked += 1;
      }
      expect(checked).toBeGreaterThan(0);
    },
  );

  it('shows the DNS record policy on its template, for information', () => {
    const template = templatesOf(generated.get('xdnsrecords.network.example.org')!)[0];
    expect(JSON.parse(template.metadata.annotations!['crossplane-temporal.io/policy'])).toEqual({
      approval: {
        operations: ['provision', 'deprovision'],
        approvers: ['group:default/platform-team'],
        timeoutSeconds: 259200,
      },
      drift: 'notify',
      readyTimeoutSeconds: 900,
    });
  });

  it('puts the cache eviction settings on the advanced page and leaves its hidden tier to the cluster', () => {
    const template = templatesOf(generated.get('caches.cache.example.org')!)[0];
    const pages = [template.spec.parameters].flat() as any[];
    expect(pages.map(p => p.title)).toEqual(['Name and owner', 'Settings', 'Advanced settings']);
    expect(Object.keys(pages[1].properties.spec.properties.parameters.properties)).toEqual([
      'memoryMB',
      'engine',
      'persistence',
      'allowedCidrs',
      'users',
      'labels',
    ]);
    expect(Object.keys(pages[2].properties.advanced.properties.parameters.properties)).toEqual(['eviction']);
    expect(formDefaults(template).advanced).toEqual({
      parameters: { eviction: { policy: 'allkeys-lru', maxMemoryPercent: 90 } },
    });
  });
});
