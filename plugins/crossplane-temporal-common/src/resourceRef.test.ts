import { ORDERS_DB } from './__testUtils__/sampleResourceRef';
import { resourceWorkflowId, validateResourceRef } from './resourceRef';

const ref = ORDERS_DB;

describe('resourceWorkflowId', () => {
  it('is derived from cluster, namespace, kind and name, and readable', () => {
    expect(resourceWorkflowId(ref)).toBe(
      'crossplane-resource/local/team-alpha/postgresqlinstance.database.example.org/orders-db',
    );
  });

  it('does not depend on the API version, so an upgrade keeps the same workflow', () => {
    expect(
      resourceWorkflowId({ ...ref, apiVersion: 'database.example.org/v1' }),
    ).toBe(resourceWorkflowId(ref));
  });

  it('tells apart resources that differ in any part of their identity', () => {
    const ids = new Set(
      [
        ref,
        { ...ref, cluster: 'prod' },
        { ...ref, namespace: 'team-beta' },
        { ...ref, kind: 'Bucket' },
        { ...ref, apiVersion: 'storage.example.org/v1alpha1' },
        { ...ref, name: 'orders-db-2' },
      ].map(resourceWorkflowId),
    );
    expect(ids.size).toBe(6);
  });
});

describe('validateResourceRef', () => {
  it('accepts a valid reference', () => {
    expect(validateResourceRef(ref)).toEqual([]);
  });

  it('says which field is wrong and what is expected', () => {
    expect(
      validateResourceRef({
        ...ref,
        namespace: 'Team_Alpha',
        apiVersion: 'v1',
        name: '',
      }),
    ).toEqual([
      "apiVersion 'v1' is not valid: expected 'group/version' with a dotted group, e.g. 'database.example.org/v1alpha1'",
      "namespace 'Team_Alpha' is not valid: expected a Kubernetes namespace: lowercase letters, digits and dashes, at most 63 characters",
      'name is required (a Kubernetes object name: lowercase letters, digits, dashes and dots, at most 253 characters)',
    ]);
  });
});
