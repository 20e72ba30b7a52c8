/*
 * What the generator makes of each way an XRD can be set up, or be wrong: the switch, the field
 * rules and their precedence, the policy, and every reason an XRD is reported instead of made.
 */
import {
  checkXrd,
  TEST_DEFAULTS,
  templatesOf,
} from '../__testUtils__/xrdCases';
import {
  formErrors,
  formValuesFor,
  pageField,
  renderStepInput,
} from '../__testUtils__/scaffolderForm';
import { generateXrdEntities } from './generateXrdEntities';
import type { XrdOverrides } from './settings';
import type { CompositeResourceDefinition, OpenApiSchema } from './xrd';

const established = {
  conditions: [
    { type: 'Established', status: 'True' },
    { type: 'Offered', status: 'True' },
  ],
};

function claimXrd(
  spec: OpenApiSchema,
  options: {
    annotations?: Record<string, string>;
    apiVersion?: string;
    extra?: Partial<CompositeResourceDefinition['spec']>;
    status?: CompositeResourceDefinition['status'];
  } = {},
): CompositeResourceDefinition {
  return {
    apiVersion: options.apiVersion ?? 'apiextensions.crossplane.io/v1',
    kind: 'CompositeResourceDefinition',
    metadata: {
      name: 'xwidgets.example.org',
      annotations: options.annotations,
    },
    spec: {
      group: 'example.org',
      names: { kind: 'XWidget', plural: 'xwidgets' },
      claimNames: { kind: 'Widget', plural: 'widgets' },
      versions: [
        {
          name: 'v1',
          served: true,
          referenceable: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { spec: structuredClone(spec) },
            },
          },
        },
      ],
      ...options.extra,
    },
    status: options.status ?? established,
  };
}

const widgetSpec: OpenApiSchema = {
  type: 'object',
  required: ['parameters'],
  properties: {
    parameters: {
      type: 'object',
      required: ['size'],
      properties: {
        size: { type: 'string', enum: ['s', 'm', 'l'], default: 's' },
        colour: { type: 'string', default: 'blue' },
        weight: { type: 'integer', minimum: 1, maximum: 9 },
        secretSauce: { type: 'string', default: 'ketchup' },
      },
    },
  },
};

const generate = (
  xrd: CompositeResourceDefinition | CompositeResourceDefinition[],
  overrides?: XrdOverrides,
) =>
  generateXrdEntities(
    [xrd]
      .flat()
      .map((x, i) => ({ cluster: i === 0 ? 'local' : `cluster-${i}`, xrd: x })),
    { defaults: TEST_DEFAULTS, overrides },
  );

const reasons = (generated: ReturnType<typeof generate>) =>
  generated.report.problems.map(p => `${p.severity} ${p.reason}`);

describe('the generation switch', () => {
  it('makes a template and an API entity by default, and reports no problem', async () => {
    const generated = generate(claimXrd(widgetSpec));
    expect(generated.report).toEqual({
      xrd: 'xwidgets.example.org',
      clusters: ['local'],
      outcome: 'generated',
      templates: ['template:default/widget-v1.example.org'],
      api: 'api:default/widget.example.org',
      problems: [],
    });
    await checkXrd(claimXrd(widgetSpec), [], generated);
  });

  it('makes nothing with generate: none, and says so in the report', () => {
    const generated = generate(
      claimXrd(widgetSpec, {
        annotations: { 'crossplane-temporal.io/generate': 'none' },
      }),
    );
    expect(generated.entities).toEqual([]);
    expect(generated.report.outcome).toBe('disabled');
  });

  it('makes only the API entity with generate: api-only', () => {
    const generated = generate(
      claimXrd(widgetSpec, {
        annotations: { 'crossplane-temporal.io/generate': 'api-only' },
      }),
    );
    expect(generated.entities.map(e => e.kind)).toEqual(['API']);
    expect(generated.report.outcome).toBe('api-only');
  });

  it('lets app-config switch generation off for an XRD it does not own', () => {
    const generated = generate(claimXrd(widgetSpec), {
      name: 'xwidgets.example.org',
      generate: 'none',
    });
    expect(generated.report.outcome).toBe('disabled');
  });

  it('publishes no template for a switch it cannot read, and reports it', () => {
    const generated = generate(
      claimXrd(widgetSpec, {
        annotations: { 'crossplane-temporal.io/generate': 'off' },
      }),
    );
    expect(generated.report.outcome).toBe('failed');
    expect(templatesOf(generated)).toEqual([]);
    expect(generated.report.problems[0].message).toContain(
      "generate 'off' is not one of all, api-only, none",
    );
  });
});

describe('field rules', () => {
  it('hides, moves and orders fields from annotations', () => {
    const generated = generate(
      claimXrd(widgetSpec, {
        annotations: {
          'crossplane-temporal.io/hidden-fields': 'parameters.secretSauce',
          'crossplane-temporal.io/advanced-fields': 'spec.parameters.colour',
          'crossplane-temporal.io/field-order':
            'parameters.weight, parameters.size',
        },
      }),
    );
    const template = templatesOf(generated)[0];
    const spec = pageField(template, 'spec', { raw: true });
    expect(Object.keys(spec.properties.parameters.properties)).toEqual([
      'weight',
      'size',
    ]);
    expect(
      pageField(template, 'advanced').properties.parameters.properties,
    ).toEqual({
      colour: { title: 'Colour', type: 'string', default: 'blue' },
    });
    // The two pages come back together into one spec; the hidden field is left to its default.
    const input = renderStepInput(
      template,
      formValuesFor(template, {
        parameters: { size: 'm', colour: 'red', weight: 3, secretSauce: 'x' },
      }),
    );
    expect(input.spec).toEqual({
      parameters: { size: 'm', colour: 'red', weight: 3 },
    });
  });

  it('lets app-config win over annotations, and annotations over schema extensions', () => {
    const spec = structuredClone(widgetSpec);
    spec.properties!.parameters.properties!.colour['x-ui-hidden'] = true;
    spec.properties!.parameters.properties!.weight['x-ui-advanced'] = true;
    const generated = generate(
      claimXrd(spec, {
        annotations: {
          'crossplane-temporal.io/advanced-fields': 'parameters.colour',
        },
      }),
      {
        name: 'xwidgets.example.org',
        fields: [
          { path: 'parameters.colour', hidden: false, title: 'Paint' },
          {
            path: 'parameters.weight',
            advanced: false,
            description: 'Kilograms.',
          },
        ],
      },
    );
    const template = templatesOf(generated)[0];
    expect(
      pageField(template, 'advanced').properties.parameters.properties.colour
        .title,
    ).toBe('Paint');
    expect(
      pageField(template, 'spec').properties.parameters.properties.weight,
    ).toMatchObject({
      description: 'Kilograms.',
    });
  });

  it('refuses to hide a required field without a default', () => {
    const generated = generate(
      claimXrd(widgetSpec, {
        annotations: {
          'crossplane-temporal.io/hidden-fields': 'parameters.size, parameters',
        },
      }),
    );
    // parameters is required and has no default, and size is required (with a default).
    expect(generated.report.outcome).toBe('failed');
    expect(generated.report.problems).toEqual([
      expect.objectContaining({
        severity: 'error',
        reason: 'ConflictingOverrides',
        field: 'parameters',
        version: 'v1',
        message: expect.stringContaining(
          'give it a default in the XRD, or do not hide it',
        ),
      }),
    ]);
  });

  it('hides a required field that has a default, and still sends its parent so the cluster fills it in', () => {
    const generated = generate(
      claimXrd(widgetSpec, {
        annotations: {
          'crossplane-temporal.io/hidden-fields':
            'parameters.size, parameters.colour, parameters.weight, parameters.secretSauce',
        },
      }),
    );
    const template = templatesOf(generated)[0];
    expect(generated.report.outcome).toBe('generated');
    expect(pageField(template, 'spec')).toBeUndefined();
    expect(template.spec.steps[0].input!.spec).toEqual({ parameters: {} });
  });

  it('warns about rules naming fields no version has, and about contradicting annotations', () => {
    const generated = generate(
      claimXrd(widgetSpec, {
        annotations: {
          'crossplane-temporal.io/hidden-fields': 'parameters.color',
          'crossplane-temporal.io/advanced-fields': 'parameters.color',
        },
      }),
    );
    expect(reasons(generated)).toEqual([
      'warning ConflictingOverrides',
      'warning UnknownField',
    ]);
    expect(generated.report.outcome).toBe('generated');
  });

  it('ignores x-ui keys of the wrong type, and says so', () => {
    const spec = structuredClone(widgetSpec);
    spec.properties!.parameters.properties!.colour['x-ui-order'] = 'first';
    spec.properties!.parameters.properties!.weight['x-ui-hidden'] = 'yes';
    const generated = generate(claimXrd(spec));
    expect(generated.report.problems.map(p => [p.reason, p.field])).toEqual([
      ['InvalidSetting', 'parameters.colour'],
      ['InvalidSetting', 'parameters.weight'],
    ]);
  });
});

describe('the policy', () => {
  it('shows an approval policy on the form and in the description, for information', () => {
    const generated = generate(
      claimXrd(widgetSpec, {
        annotations: {
          'crossplane-temporal.io/approval': 'provision',
          'crossplane-temporal.io/approvers': 'group:default/platform-team',
        },
      }),
    );
    const template = templatesOf(generated)[0];
    const first = [template.spec.parameters].flat()[0] as {
      description: string;
    };
    expect(first.description).toMatch(
      /^Needs approval by group:default\/platform-team to provision/,
    );
    expect(template.metadata.description).toContain('Needs approval');
    // Nothing in the form or the step carries the policy: the backend reads it from the XRD.
    expect(JSON.stringify(template.spec.steps)).not.toMatch(
      /approv|drift|policy/i,
    );
  });

  it('makes no template for a policy that cannot be enforced, but keeps the API entity', () => {
    const generated = generate(
      claimXrd(widgetSpec, {
        annotations: { 'crossplane-temporal.io/approval': 'provision' },
      }),
    );
    expect(generated.report.outcome).toBe('failed');
    expect(generated.entities.map(e => e.kind)).toEqual(['API']);
    expect(generated.report.problems[0]).toMatchObject({
      severity: 'error',
      reason: 'InvalidSetting',
      message: expect.stringContaining('nobody may approve'),
    });
  });

  it('takes app-config policy settings over annotations', () => {
    const generated = generate(
      claimXrd(widgetSpec, {
        annotations: { 'crossplane-temporal.io/drift': 'ignore' },
      }),
      {
        name: 'xwidgets.example.org',
        policy: { drift: 'repair', readyTimeout: '20m' },
      },
    );
    const template = templatesOf(generated)[0];
    expect(
      JSON.parse(
        template.metadata.annotations!['crossplane-temporal.io/policy'],
      ),
    ).toEqual({
      drift: 'repair',
      readyTimeoutSeconds: 1200,
    });
  });
});

describe('XRDs that cannot become templates are reported, never skipped', () => {
  it('a v1 XRD without claims', () => {
    const xrd = claimXrd(widgetSpec);
    delete xrd.spec.claimNames;
    const generated = generate(xrd);
    expect(generated.report.outcome).toBe('failed');
    expect(reasons(generated)).toEqual(['error NotOffered']);
    expect(generated.report.problems[0].message).toContain(
      'add spec.claimNames',
    );
  });

  it('a v2 cluster-scoped XRD', () => {
    const xrd = claimXrd(widgetSpec, {
      apiVersion: 'apiextensions.crossplane.io/v2',
      extra: { scope: 'Cluster' },
    });
    expect(reasons(generate(xrd))).toEqual(['error NotOffered']);
  });

  it('an XRD without a served version', () => {
    const xrd = claimXrd(widgetSpec);
    xrd.spec.versions![0].served = false;
    expect(reasons(generate(xrd))).toEqual(['error NoServedVersion']);
  });

  it('an XRD the cluster does not serve yet (no status), naming the condition', () => {
    const generated = generate(claimXrd(widgetSpec, { status: {} }));
    expect(reasons(generated)).toEqual(['error NotEstablished']);
    expect(generated.report.problems[0].message).toContain(
      'condition Established is not reported',
    );
  });

  it('a claim the cluster does not offer yet', () => {
    const generated = generate(
      claimXrd(widgetSpec, {
        status: {
          conditions: [
            { type: 'Established', status: 'True' },
            {
              type: 'Offered',
              status: 'False',
              reason: 'OfferClaimFailed',
              message: 'cannot create CRD',
            },
          ],
        },
      }),
    );
    expect(generated.report.problems[0].message).toContain(
      'condition Offered is False (OfferClaimFailed): cannot create CRD',
    );
  });

  it('a served version without a schema, while the other versions get templates', () => {
    const xrd = claimXrd(widgetSpec);
    xrd.spec.versions!.push({ name: 'v2', served: true });
    const generated = generate(xrd);
    expect(generated.report.outcome).toBe('partial');
    expect(generated.report.problems).toEqual([
      expect.objectContaining({
        severity: 'error',
        reason: 'MissingSchema',
        version: 'v2',
      }),
    ]);
    expect(generated.report.templates).toEqual([
      'template:default/widget-v1.example.org',
    ]);
  });

  it('a required field the form cannot ask for', () => {
    const generated = generate(
      claimXrd({
        type: 'object',
        required: ['config'],
        properties: {
          config: {
            type: 'object',
            'x-kubernetes-preserve-unknown-fields': true,
          },
          extra: {
            type: 'object',
            'x-kubernetes-preserve-unknown-fields': true,
          },
        },
      }),
    );
    expect(generated.report.outcome).toBe('failed');
    expect(
      generated.report.problems.map(p => [p.severity, p.reason, p.field]),
    ).toEqual([
      ['error', 'UnsupportedSchema', 'config'],
      ['warning', 'UnsupportedSchema', 'extra'],
    ]);
  });
});

describe('several clusters', () => {
  it('offers the clusters that serve the XRD, and reports the ones that do not', () => {
    const ready = claimXrd(widgetSpec);
    const waiting = claimXrd(widgetSpec, { status: {} });
    const generated = generateXrdEntities(
      [
        { cluster: 'eu', xrd: ready },
        { cluster: 'us', xrd: waiting },
        { cluster: 'ap', xrd: ready },
      ],
      { defaults: TEST_DEFAULTS },
    );
    expect(generated.report.clusters).toEqual(['ap', 'eu', 'us']);
    expect(reasons(generated)).toEqual(['warning NotEstablished']);
    const template = templatesOf(generated)[0];
    expect(
      template.metadata.annotations!['crossplane-temporal.io/clusters'],
    ).toBe('ap,eu');
    const values = formValuesFor(
      template,
      { parameters: { size: 'm' } },
      {
        location: { cluster: 'us', namespace: 'team-alpha' },
      },
    );
    expect(formErrors(template, values).join()).toContain(
      'must be equal to one of the allowed values',
    );
  });

  it('builds from the definition most clusters have, and reports the one that differs', () => {
    const changed = claimXrd(widgetSpec);
    changed.spec.versions![0].schema!.openAPIV3Schema!.properties!.spec.properties!.parameters.properties!.size.enum =
      ['xl'];
    const generated = generateXrdEntities(
      [
        { cluster: 'a', xrd: changed },
        { cluster: 'b', xrd: claimXrd(widgetSpec) },
        { cluster: 'c', xrd: claimXrd(widgetSpec) },
      ],
      { defaults: TEST_DEFAULTS },
    );
    expect(generated.report.problems).toEqual([
      expect.objectContaining({ reason: 'DefinitionsDiffer', cluster: 'a' }),
    ]);
    expect(
      templatesOf(generated)[0].metadata.annotations![
        'crossplane-temporal.io/clusters'
      ],
    ).toBe('b,c');
  });
});

describe('the first page', () => {
  const template = templatesOf(generate(claimXrd(widgetSpec)))[0];
  const valid = formValuesFor(template, { parameters: { size: 'm' } });

  it('asks for a name the cluster accepts, with its own check beside the extension', () => {
    const name = ([template.spec.parameters].flat()[0] as any).properties.name;
    expect(name).toMatchObject({
      'ui:field': 'CrossplaneResourceNamePicker',
      'ui:options': { apiVersion: 'example.org/v1', kind: 'Widget' },
      maxLength: 63,
    });
    expect(formErrors(template, valid)).toEqual([]);
    for (const bad of [
      'Orders',
      'orders_db',
      '-orders',
      'orders-',
      '',
      'a'.repeat(64),
      'orders.db',
    ]) {
      expect({
        name: bad,
        refused: formErrors(template, { ...valid, name: bad }).length > 0,
      }).toEqual({
        name: bad,
        refused: true,
      });
    }
    expect(formErrors(template, { ...valid, name: 'Orders' })).toContain(
      '.name Use lowercase letters, digits and dashes, starting and ending with a letter or digit, at most 63 characters.',
    );
  });

  it('limits the owner to the user’s groups and the component to what they own', () => {
    const fields = ([template.spec.parameters].flat()[0] as any).properties;
    expect(fields.owner['ui:field']).toBe('MyGroupsPicker');
    expect(fields.component).toMatchObject({
      'ui:field': 'OwnedEntityPicker',
      'ui:options': {
        catalogFilter: [{ kind: 'Component' }],
        allowArbitraryValues: false,
      },
    });
    expect(fields.location).toMatchObject({
      'ui:field': 'CrossplaneClusterNamespacePicker',
      'ui:options': { xrd: 'xwidgets.example.org' },
      properties: { cluster: { enum: ['local'], default: 'local' } },
    });
    expect(
      formErrors(template, { ...valid, owner: 'user:default/alice' }),
    ).not.toEqual([]);
    expect(
      formErrors(template, { ...valid, component: 'system:default/shop' }),
    ).not.toEqual([]);
    expect(
      formErrors(template, {
        ...valid,
        location: { cluster: 'local', namespace: 'Team' },
      }),
    ).not.toEqual([]);
  });

  it('links the run to the Resource entity and the component’s resources tab', () => {
    expect(template.spec.output).toEqual({
      links: [
        expect.objectContaining({
          entityRef: '${{ steps.provision.output.entityRef }}',
        }),
        expect.objectContaining({
          url: '${{ steps.provision.output.resourcesUrl }}',
        }),
      ],
    });
    expect(template.spec.steps[0]).toMatchObject({
      id: 'provision',
      action: 'crossplane:resource:provision',
      input: { waitForReady: true },
    });
  });

  it('returns at once when the XRD says not to wait for Ready', () => {
    const other = templatesOf(
      generate(
        claimXrd(widgetSpec, {
          annotations: { 'crossplane-temporal.io/wait-for-ready': 'false' },
        }),
      ),
    )[0];
    expect(other.spec.steps[0].input!.waitForReady).toBe(false);
  });
});
