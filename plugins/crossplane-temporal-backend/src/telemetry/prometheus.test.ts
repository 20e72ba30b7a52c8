/*
 * The plugin's metrics as an operator gets them: through Backstage's metrics service into an
 * OpenTelemetry meter provider with the Prometheus exporter (as packages/backend's
 * instrumentation.js sets it up), scraped by a real Prometheus (Debian's `prometheus`; `npm test`
 * installs it when missing), whose query API then has every series: requests by operation and
 * outcome, time to Ready, approval wait, drift detections and repairs, and cache age.
 */
import { metricsServiceFactory } from '@backstage/backend-defaults/alpha';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { ResourceRef } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  API,
  pathOf,
  startApiTestBackend,
  type ApiTestBackend,
} from '../__testUtils__/apiTestBackend';
import { unusedPort } from '../__testUtils__/unusedPort';

jest.setTimeout(240_000);

const PROMETHEUS = '/usr/bin/prometheus';

const db: ResourceRef = {
  cluster: 'local',
  apiVersion: 'database.example.org/v1alpha1',
  kind: 'PostgreSQLInstance',
  namespace: 'team-alpha',
  name: 'metered-db',
};
const bucket: ResourceRef = {
  cluster: 'local',
  apiVersion: 'storage.example.org/v1alpha1',
  kind: 'Bucket',
  namespace: 'team-alpha',
  name: 'metered-assets',
};

describe('metrics scraped by Prometheus', () => {
  let t: ApiTestBackend;
  let provider: MeterProvider;
  let prometheus: ChildProcess | undefined;
  let prometheusUrl: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-'));

  beforeAll(async () => {
    if (!fs.existsSync(PROMETHEUS))
      throw new Error(
        `${PROMETHEUS} is missing: install Debian's prometheus package (apt-get install prometheus); npm test does it when it runs as root`,
      );
    const exporterPort = await unusedPort();
    const exporter = new PrometheusExporter({
      host: '127.0.0.1',
      port: exporterPort,
    });
    provider = new MeterProvider({ readers: [exporter] });
    metrics.setGlobalMeterProvider(provider);

    t = await startApiTestBackend({
      features: [metricsServiceFactory],
      config: {
        xrds: [
          {
            name: 'xbuckets.storage.example.org',
            policy: {
              approval: 'provision',
              approvers: ['group:default/platform-team'],
            },
          },
          {
            name: 'xpostgresqlinstances.database.example.org',
            policy: { drift: 'repair' },
          },
        ],
      },
    });

    const port = await unusedPort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    fs.writeFileSync(
      path.join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        'scrape_configs:',
        '  - job_name: backstage',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${exporterPort}']`,
      ].join('\n'),
    );
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
  });

  afterAll(async () => {
    if (prometheus?.exitCode === null) {
      const exited = new Promise(resolve => prometheus!.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await t?.stop();
    await provider?.shutdown();
    metrics.disable();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The series Prometheus has for a metric name (a regular expression), once there is one with
   * each of the `wanted` labels: a scrape can come between a request and the count it adds.
   */
  const series = (
    name: string,
    what: string,
    ...wanted: Array<Record<string, string>>
  ) =>
    t.waitFor(
      `Prometheus to have scraped ${what} (${wanted
        .map(w => JSON.stringify(w))
        .join(', ')})`,
      async () => {
        const res = await fetch(
          `${prometheusUrl}/api/v1/series?${new URLSearchParams({
            'match[]': `{__name__=~"${name}"}`,
          })}`,
        ).catch(() => undefined);
        if (!res?.ok) return undefined;
        const body = (await res.json()) as {
          data: Array<Record<string, string>>;
        };
        const has = (labels: Record<string, string>) =>
          body.data.some(s =>
            Object.entries(labels).every(([k, v]) => s[k] === v),
          );
        return body.data.length && wanted.every(has) ? body.data : undefined;
      },
      60_000,
    );

  it('has requests, time to Ready, approval waits, drift and cache age', async () => {
    // A provision that gets Ready, a refused one, and a read.
    await t.waitFor('the XRDs in the cache', async () => {
      const res = await t.call('alice', 'post', `${pathOf(db)}/provision`, {
        spec: { parameters: { size: 'small' } },
        component: 'component:default/checkout-service',
      });
      return res.status === 202;
    });
    expect(
      (
        await t.call('alice', 'post', `${pathOf(db)}/provision`, {
          spec: { parameters: { size: 'huge' } },
        })
      ).status,
    ).toBe(400);
    await t.waitFor(
      'metered-db Ready',
      async () =>
        (await t.call('alice', 'get', `${pathOf(db)}/phase`)).body.phase ===
        'Ready',
    );

    // An approval: alice asks, pat approves.
    expect(
      (
        await t.call('alice', 'post', `${pathOf(bucket)}/provision`, {
          requestId: 'metered-1',
          spec: {},
          owner: 'group:default/team-alpha',
        })
      ).status,
    ).toBe(202);
    await t.waitFor(
      'the bucket waiting for approval',
      async () =>
        (await t.call('alice', 'get', pathOf(bucket))).body.phase ===
        'AwaitingApproval',
    );
    expect(
      (
        await t.call('pat', 'post', `${pathOf(bucket)}/approval`, {
          requestId: 'metered-1',
          approved: true,
        })
      ).status,
    ).toBe(200);

    // Drift: someone deletes a managed resource; the workflow repairs it.
    const tree = await t.waitFor('the managed resources', async () => {
      const res = await t.call('alice', 'get', `${pathOf(db)}/tree`);
      return res.body.managed.length ? res.body : undefined;
    });
    const managed = tree.managed[0];
    await t.cluster.sim.admin.driftDelete({
      apiVersion: managed.apiVersion,
      kind: managed.kind,
      name: managed.name,
    });
    await t.waitFor(
      'the drift repaired',
      async () => {
        const steps = (await t.call('alice', 'get', `${pathOf(db)}/steps`)).body
          .items;
        return steps.some(
          (s: any) => s.step === 'drift-repaired' && s.outcome === 'succeeded',
        );
      },
      90_000,
    );
    await t.call('alice', 'get', `${API}/resources`);

    // Each wait fails, naming what it waited for, unless Prometheus scrapes that series.
    const requests = await series(
      'crossplane_temporal_requests_total',
      'the request counts',
      { operation: 'ProvisionResource', outcome: 'accepted' },
      { operation: 'ProvisionResource', outcome: 'refused' },
      { operation: 'DecideApproval', outcome: 'answered' },
      { operation: 'ListResources', outcome: 'answered' },
    );
    expect(requests[0].job).toBe('backstage');
    const dbKind = 'PostgreSQLInstance.database.example.org';
    await series(
      'crossplane_temporal_time_to_ready.*_bucket',
      'time to Ready',
      { kind: dbKind },
    );
    await series(
      'crossplane_temporal_approval_wait.*_count',
      'the approval wait',
      {
        kind: 'Bucket.storage.example.org',
        outcome: 'approved',
      },
    );
    await series(
      'crossplane_temporal_drift_detections.*',
      'the drift detections',
      { kind: dbKind },
    );
    await series('crossplane_temporal_drift_repairs.*', 'the drift repairs', {
      outcome: 'repaired',
    });
    const age = await series(
      'crossplane_temporal_cache_age.*',
      'the cache age',
      { source: 'cluster' },
      { source: 'workflows' },
    );
    expect(age.map(s => s.source).sort()).toEqual(['cluster', 'workflows']);
  });
});
