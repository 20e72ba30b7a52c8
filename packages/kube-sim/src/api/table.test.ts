/*
 * The JSONPath subset printer columns use, and the ages kubectl shows.
 */
import { age, evaluateJsonPath, toTable, wantsTable } from './table';

const object = {
  apiVersion: 'sim.crossplane.io/v1alpha1',
  kind: 'DatabaseInstance',
  metadata: {
    name: 'orders-db-x7k2p-5e8c0',
    creationTimestamp: '2026-11-25T10:00:00Z',
    annotations: { 'crossplane.io/external-name': 'db-1234' },
  },
  spec: { ports: [5432, 5433] },
  status: {
    conditions: [
      { type: 'Synced', status: 'True' },
      { type: 'Ready', status: 'False', reason: 'Creating' },
    ],
  },
};

describe('printer columns', () => {
  it('evaluates fields, escaped dots, indexes and condition filters', () => {
    expect(
      evaluateJsonPath(object, ".status.conditions[?(@.type=='Ready')].reason"),
    ).toBe('Creating');
    expect(
      evaluateJsonPath(
        object,
        '.metadata.annotations.crossplane\\.io/external-name',
      ),
    ).toBe('db-1234');
    expect(evaluateJsonPath(object, '.spec.ports[1]')).toBe(5433);
    expect(
      evaluateJsonPath(
        object,
        ".status.conditions[?(@.type=='Healthy')].status",
      ),
    ).toBeUndefined();
    expect(evaluateJsonPath(object, '.spec.missing.deeper')).toBeUndefined();
  });

  it('shows ages the way kubectl does', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    expect(age('2026-11-25T11:59:15Z', now)).toBe('45s');
    expect(age('2026-11-25T11:30:00Z', now)).toBe('30m');
    expect(age('2026-11-25T06:00:00Z', now)).toBe('6h');
    expect(age('2026-11-20T12:00:00Z', now)).toBe('5d');
    expect(age(undefined, now)).toBe('<unknown>');
  });

  it('answers Table requests with Name, the columns, and metadata-only objects', () => {
    expect(
      wantsTable(
        'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
      ),
    ).toBe(true);
    expect(wantsTable('application/json')).toBe(false);
    const table = toTable(
      {
        group: 'sim.crossplane.io',
        version: 'v1alpha1',
        kind: 'DatabaseInstance',
        plural: 'databaseinstances',
        singular: 'databaseinstance',
        namespaced: false,
        hasStatus: true,
        printerColumns: [
          {
            name: 'READY',
            type: 'string',
            jsonPath: ".status.conditions[?(@.type=='Ready')].status",
          },
        ],
      },
      [object],
      '42',
    );
    expect(table.columnDefinitions.map(c => c.name)).toEqual(['Name', 'READY']);
    expect(table.rows[0].cells).toEqual(['orders-db-x7k2p-5e8c0', 'False']);
    expect(table.rows[0].object).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: object.metadata,
    });
  });
});
