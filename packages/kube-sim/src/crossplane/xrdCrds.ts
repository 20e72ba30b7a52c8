/*
 * The CRDs Crossplane installs (XRDs, Compositions) and the ones it generates from each XRD: the
 * composite resource's, and for v1 XRDs with claimNames, the claim's, with the fields Crossplane
 * adds to every composite and claim.
 */
import type { KubeObject, PrinterColumn } from '../store/types';

const preserve = {
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
};

const conditionsSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['type', 'status'],
    properties: {
      type: { type: 'string' },
      status: { type: 'string' },
      reason: { type: 'string' },
      message: { type: 'string' },
      observedGeneration: { type: 'integer' },
      lastTransitionTime: { type: 'string' },
    },
  },
};

const ref = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    name: { type: 'string' },
    namespace: { type: 'string' },
  },
};
const selector = {
  type: 'object',
  properties: {
    matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

function crd(
  group: string,
  kind: string,
  plural: string,
  scope: 'Cluster' | 'Namespaced',
  versions: Array<{ name: string; schema: unknown }>,
  extra: { categories?: string[]; shortNames?: string[] } = {},
  printerColumns?: PrinterColumn[],
): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope,
      names: {
        kind,
        plural,
        singular: kind.toLowerCase(),
        listKind: `${kind}List`,
        ...extra,
      },
      versions: versions.map((v, i) => ({
        name: v.name,
        served: true,
        storage: i === 0,
        subresources: { status: {} },
        schema: { openAPIV3Schema: v.schema },
        ...(printerColumns ? { additionalPrinterColumns: printerColumns } : {}),
      })),
    },
  } as KubeObject;
}

/** The CRDs a Crossplane installation brings. */
export function crossplaneCrds(): KubeObject[] {
  const open = {
    type: 'object',
    properties: { spec: preserve, status: preserve },
  };
  return [
    crd(
      'apiextensions.crossplane.io',
      'CompositeResourceDefinition',
      'compositeresourcedefinitions',
      'Cluster',
      [
        { name: 'v2', schema: open },
        { name: 'v1', schema: open },
      ],
      { shortNames: ['xrd', 'xrds'], categories: ['crossplane'] },
    ),
    crd(
      'apiextensions.crossplane.io',
      'Composition',
      'compositions',
      'Cluster',
      [{ name: 'v1', schema: open }],
      {
        shortNames: ['comp'],
        categories: ['crossplane'],
      },
    ),
  ];
}

function withStatus(schema: any, fields: Record<string, unknown>): any {
  const copy = structuredClone(schema ?? { type: 'object' });
  copy.type = 'object';
  copy.properties = { ...(copy.properties ?? {}) };
  copy.properties.spec = { type: 'object', ...(copy.properties.spec ?? {}) };
  copy.properties.spec.properties = {
    ...(copy.properties.spec.properties ?? {}),
    ...fields,
  };
  const status = { type: 'object', ...(copy.properties.status ?? {}) };
  status.properties = {
    ...(status.properties ?? {}),
    conditions: conditionsSchema,
  };
  status['x-kubernetes-preserve-unknown-fields'] = true;
  copy.properties.status = status;
  return copy;
}

const condition = (type: string): PrinterColumn => ({
  name: type.toUpperCase(),
  type: 'string',
  jsonPath: `.status.conditions[?(@.type=='${type}')].status`,
});
const AGE: PrinterColumn = {
  name: 'AGE',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
};

/** The CRDs Crossplane generates from an XRD, with the columns Crossplane gives them. */
export function generatedCrds(xrd: KubeObject): KubeObject[] {
  const spec = xrd.spec as any;
  const v2 = xrd.apiVersion.endsWith('/v2');
  const versions = (spec.versions ?? []).filter((v: any) => v.served !== false);
  const compositeFields = v2
    ? {
        crossplane: {
          type: 'object',
          properties: {
            compositionRef: {
              type: 'object',
              properties: { name: { type: 'string' } },
            },
            compositionSelector: selector,
            resourceRefs: { type: 'array', items: ref },
          },
        },
      }
    : {
        compositionRef: {
          type: 'object',
          properties: { name: { type: 'string' } },
        },
        compositionSelector: selector,
        resourceRefs: { type: 'array', items: ref },
        claimRef: ref,
        writeConnectionSecretToRef: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            namespace: { type: 'string' },
          },
        },
      };
  const categories = ['composite'];
  const crds = [
    crd(
      spec.group,
      spec.names.kind,
      spec.names.plural,
      v2 && spec.scope !== 'Cluster' ? 'Namespaced' : 'Cluster',
      versions.map((v: any) => ({
        name: v.name,
        schema: withStatus(v.schema?.openAPIV3Schema, compositeFields),
      })),
      { categories },
      [
        condition('Synced'),
        condition('Ready'),
        {
          name: 'COMPOSITION',
          type: 'string',
          jsonPath: v2
            ? '.spec.crossplane.compositionRef.name'
            : '.spec.compositionRef.name',
        },
        AGE,
      ],
    ),
  ];
  if (!v2 && spec.claimNames) {
    const claimFields = {
      compositionRef: {
        type: 'object',
        properties: { name: { type: 'string' } },
      },
      compositionSelector: selector,
      resourceRef: ref,
      compositeDeletePolicy: {
        type: 'string',
        enum: ['Background', 'Foreground'],
      },
      writeConnectionSecretToRef: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string' } },
      },
    };
    crds.push(
      crd(
        spec.group,
        spec.claimNames.kind,
        spec.claimNames.plural,
        'Namespaced',
        versions.map((v: any) => ({
          name: v.name,
          schema: withStatus(v.schema?.openAPIV3Schema, claimFields),
        })),
        { categories: ['claim'] },
        [
          condition('Synced'),
          condition('Ready'),
          {
            name: 'CONNECTION-SECRET',
            type: 'string',
            jsonPath: '.spec.writeConnectionSecretToRef.name',
          },
          AGE,
        ],
      ),
    );
  }
  return crds;
}
