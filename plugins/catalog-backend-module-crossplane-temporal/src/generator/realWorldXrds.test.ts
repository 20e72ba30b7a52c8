/*
 * The generator against XRDs written in the style of public Crossplane configuration packages,
 * each with a different schema feature, and their example claims.
 */
import path from 'node:path';
import {
  checkXrd,
  readYamlDocuments,
  templateFor,
  templatesOf,
  TEST_DEFAULTS,
} from '../__testUtils__/xrdCases';
import {
  formDefaults,
  formValuesFor,
  pageField,
  renderStepInput,
} from '../__testUtils__/scaffolderForm';
import { generateXrdEntities } from './generateXrdEntities';
import type { CompositeResourceDefinition } from './xrd';

function load(file: string) {
  const [xrd, ...examples] = readYamlDocuments(
    path.join(__dirname, '..', '__fixtures__', 'xrds', file),
  );
  const generated = generateXrdEntities(
    [{ cluster: 'local', xrd: xrd as CompositeResourceDefinition }],
    { defaults: TEST_DEFAULTS },
  );
  return { xrd: xrd as CompositeResourceDefinition, examples, generated };
}

describe('deep nesting: a Kubernetes cluster claim (aws-cluster.yaml)', () => {
  const { xrd, examples, generated } = load('aws-cluster.yaml');

  it('makes a valid template whose form asks for a field five levels down and checks it', async () => {
    expect(generated.report).toMatchObject({
      outcome: 'generated',
      problems: [],
    });
    const result = await checkXrd(xrd, examples, generated);
    expect(result.reportedInstead).toEqual([]);
    expect(result.refused).toBeGreaterThanOrEqual(15);

    const spec = pageField(templatesOf(generated)[0], 'spec');
    const ref =
      spec.properties.parameters.properties.gitops.properties.source.properties
        .ref;
    expect(ref).toMatchObject({
      type: 'object',
      required: ['name'],
      properties: { name: { minLength: 1, maxLength: 255 } },
    });
  });

  it('prefills an object default and asks for the claim connection secret by the claim name', () => {
    const template = templatesOf(generated)[0];
    expect(formDefaults(template).spec.parameters.operators).toEqual({
      prometheus: { version: '58.1.0' },
    });
    const input = renderStepInput(
      template,
      formValuesFor(template, examples[0].spec, { name: 'payments-eks' }),
    );
    expect(input.spec.writeConnectionSecretToRef).toEqual({
      name: 'payments-eks-connection',
    });
    expect(template.metadata.title).toBe('Kubernetes cluster on AWS');
    expect(template.metadata.tags).toEqual(['crossplane', 'aws', 'kubernetes']);
  });
});

describe('arrays of objects: firewall rules (gcp-firewall.yaml)', () => {
  const { xrd, examples, generated } = load('gcp-firewall.yaml');

  it('asks for a list of rules, each with its own lists, enums and bounds', async () => {
    expect(generated.report.outcome).toBe('generated');
    const result = await checkXrd(xrd, examples, generated);
    expect(result.reportedInstead).toEqual([]);
    expect(result.refused).toBeGreaterThanOrEqual(20);
    const rules = pageField(templatesOf(generated)[0], 'spec').properties
      .parameters.properties.rules;
    expect(rules).toMatchObject({
      type: 'array',
      minItems: 1,
      maxItems: 10,
      items: {
        type: 'object',
        required: ['name', 'protocol'],
        properties: {
          direction: { enum: ['INGRESS', 'EGRESS'], default: 'INGRESS' },
          ports: {
            type: 'array',
            maxItems: 20,
            items: { type: 'integer', minimum: 1, maximum: 65535 },
          },
        },
      },
    });
    // List items carry no repeated title; the form numbers them.
    expect(rules.items.title).toBeUndefined();
  });
});

describe('enums and defaults: a v2 namespaced database (azure-postgres.yaml)', () => {
  const { xrd, examples, generated } = load('azure-postgres.yaml');

  it('shows every default as a value, integer enums included, and refuses values outside them', async () => {
    const result = await checkXrd(xrd, examples, generated);
    expect(result.reportedInstead).toEqual([]);
    expect(result.refused).toBeGreaterThanOrEqual(10);
    const template = templatesOf(generated)[0];
    expect(formDefaults(template).spec).toEqual({
      parameters: {
        location: 'westeurope',
        sku: 'B_Standard_B1ms',
        version: '16',
        storageSizeGB: 32,
        backupRetentionDays: 7,
        highAvailability: 'Disabled',
        geoRedundantBackup: false,
      },
    });
    // No placeholders: defaults are values the form starts with.
    expect(JSON.stringify(template)).not.toContain('ui:placeholder');
  });

  it('provisions the composite itself and shows the policy the XRD declares', () => {
    const template = templatesOf(generated)[0];
    expect(template.spec.type).toBe('database');
    expect(template.spec.steps[0].input).toMatchObject({
      apiVersion: 'azure.platform.example.org/v1alpha1',
      kind: 'FlexibleServer',
    });
    expect(template.spec.steps[0].input!.spec).not.toHaveProperty(
      'writeConnectionSecretToRef',
    );
    expect(template.metadata.description).toContain(
      'Changes made outside Backstage are reported to the owner. Crossplane has 45m to report it ready.',
    );
    expect(
      JSON.parse(
        template.metadata.annotations!['crossplane-temporal.io/policy'],
      ),
    ).toEqual({
      drift: 'notify',
      readyTimeoutSeconds: 2700,
    });
  });
});

describe('patterns and bounds: an object store (s3-bucket.yaml)', () => {
  const { xrd, examples, generated } = load('s3-bucket.yaml');

  it('keeps lengths, patterns, multiples, formats and turns the OpenAPI 3.0 exclusive bound into draft-07', async () => {
    const result = await checkXrd(xrd, examples, generated);
    expect(result.reportedInstead).toEqual([]);
    expect(result.refused).toBeGreaterThanOrEqual(20);
    const parameters = pageField(templatesOf(generated)[0], 'spec').properties
      .parameters;
    expect(parameters.properties.monthlyBudgetUSD).toMatchObject({
      exclusiveMinimum: 0,
    });
    expect(parameters.properties.monthlyBudgetUSD).not.toHaveProperty(
      'minimum',
    );
    expect(parameters.properties.archiveAfterDays).toMatchObject({
      multipleOf: 30,
      minimum: 30,
    });
    expect(parameters.properties.retainUntil).toMatchObject({
      format: 'date-time',
    });
  });
});

describe("Kubernetes' schema extensions and x-ui keys: a web app (app-extensions.yaml)", () => {
  const { xrd, examples, generated } = load('app-extensions.yaml');
  const template = () => templatesOf(generated)[0];

  it('makes the template and reports each thing only the cluster can check', async () => {
    expect(generated.report.outcome).toBe('generated');
    expect(
      generated.report.problems.map(p => [p.severity, p.reason, p.field]),
    ).toEqual([
      ['warning', 'RulesNotInForm', undefined],
      ['warning', 'UnsupportedSchema', 'helmValues'],
      ['warning', 'InvalidPattern', 'environment'],
    ]);
    const result = await checkXrd(xrd, examples, generated);
    expect(result.reportedInstead.sort()).toEqual([
      'environment (pattern): InvalidPattern',
    ]);
    expect(result.refused).toBeGreaterThanOrEqual(12);
  });

  it('orders, hides and moves fields as the x-ui keys say', () => {
    const spec = pageField(template(), 'spec', { raw: true });
    expect(Object.keys(spec.properties)).toEqual([
      'image',
      'port',
      'replicas',
      'hosts',
      'labels',
      'environment',
    ]);
    expect(spec['ui:order']).toEqual([...Object.keys(spec.properties), '*']);
    expect(pageField(template(), 'advanced').properties).toMatchObject({
      autoscaling: { properties: { maxReplicas: { default: 10 } } },
      logLevel: { enum: ['debug', 'info', 'warn'], default: 'info' },
    });
    const pages = [template().spec.parameters].flat().map(p => p?.title);
    expect(pages).toEqual(['Name and owner', 'Settings', 'Advanced settings']);
  });

  it('maps int-or-string, list sets and maps to what the form can ask for', () => {
    const spec = pageField(template(), 'spec');
    expect(spec.properties.port).toMatchObject({
      type: 'string',
      default: '8080',
    });
    expect(spec.properties.hosts).toMatchObject({
      uniqueItems: true,
      items: { format: 'hostname' },
    });
    expect(spec.properties.labels).toMatchObject({
      type: 'object',
      additionalProperties: { type: 'string', maxLength: 63 },
    });
    expect(JSON.stringify(template())).not.toMatch(/x-kubernetes|x-ui-/);
  });

  it('builds the spec from both pages and leaves hidden fields to the cluster', () => {
    const input = renderStepInput(
      template(),
      formValuesFor(template(), examples[0].spec),
    );
    expect(input.spec).toEqual({
      image: 'registry.example.org/shop/storefront:1.4.2',
      port: 'http',
      replicas: 3,
      hosts: ['shop.example.org', 'www.shop.example.org'],
      labels: { tier: 'frontend' },
      environment: 'prod',
      autoscaling: { maxReplicas: 12, targetCPU: 60 },
      logLevel: 'warn',
    });
  });
});

describe('several versions, one deprecated, one not served (redis-versions.yaml)', () => {
  const { xrd, examples, generated } = load('redis-versions.yaml');

  it('makes one template per served version and marks the deprecated one', async () => {
    await checkXrd(xrd, examples, generated);
    expect(generated.report.templates).toEqual([
      'template:default/cache-v1alpha1.cache.platform.example.org',
      'template:default/cache-v1beta1.cache.platform.example.org',
    ]);
    const old = templateFor(generated, 'cache.platform.example.org/v1alpha1');
    expect(old.metadata.title).toBe('Cache v1alpha1 (deprecated)');
    expect(old.spec.lifecycle).toBe('deprecated');
    expect(old.metadata.tags).toContain('deprecated');
    expect(old.metadata.description).toContain(
      'use v1beta1 with parameters.memoryGB',
    );
    const current = templateFor(
      generated,
      'cache.platform.example.org/v1beta1',
    );
    expect(current.metadata.title).toBe('Cache v1beta1');
    expect(current.spec.lifecycle).toBe('production');
  });

  it('describes the served versions in one API entity', () => {
    const api = generated.entities.find(e => e.kind === 'API')!;
    const definition = String(api.spec!.definition);
    expect(definition).toContain(
      '/apis/cache.platform.example.org/v1beta1/namespaces/{namespace}/caches',
    );
    expect(definition).toContain(
      '/apis/cache.platform.example.org/v1alpha1/namespaces/{namespace}/caches',
    );
    expect(definition).not.toContain('v1alpha0');
  });
});

describe('maps of strings and of objects, a v2 legacy claim (tagged-maps.yaml)', () => {
  const { xrd, examples, generated } = load('tagged-maps.yaml');

  it('asks for maps with bounded size and object values', async () => {
    const result = await checkXrd(xrd, examples, generated);
    expect(result.reportedInstead).toEqual([]);
    expect(result.refused).toBeGreaterThanOrEqual(6);
    const parameters = pageField(templatesOf(generated)[0], 'spec').properties
      .parameters;
    expect(parameters.properties.tags).toMatchObject({
      maxProperties: 5,
      additionalProperties: { type: 'string', maxLength: 40 },
    });
    expect(parameters.properties.thresholds.additionalProperties).toMatchObject(
      {
        type: 'object',
        required: ['above'],
        properties: { severity: { default: 'ticket' } },
      },
    );
    expect(templatesOf(generated)[0].spec.steps[0].input).toMatchObject({
      kind: 'Monitor',
      apiVersion: 'observability.platform.example.org/v1alpha1',
    });
  });
});
