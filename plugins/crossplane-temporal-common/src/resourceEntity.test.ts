import { ORDERS_DB } from './__testUtils__/sampleResourceRef';
import { processedResourceEntity, resourceEntity } from './resourceEntity';

const ref = ORDERS_DB;

describe('resourceEntity', () => {
  it('names the resource and says where it lives and which workflow owns it', () => {
    expect(
      resourceEntity({
        ref,
        owner: 'group:default/team-alpha',
        component: 'component:default/checkout-service',
      }),
    ).toEqual({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name: 'orders-db.postgresqlinstance.team-alpha.local',
        namespace: 'default',
        annotations: {
          'crossplane-temporal.io/cluster': 'local',
          'crossplane-temporal.io/namespace': 'team-alpha',
          'crossplane-temporal.io/api-version': 'database.example.org/v1alpha1',
          'crossplane-temporal.io/kind': 'PostgreSQLInstance',
          'crossplane-temporal.io/name': 'orders-db',
          'crossplane-temporal.io/workflow-id':
            'crossplane-resource/local/team-alpha/postgresqlinstance.database.example.org/orders-db',
        },
      },
      spec: {
        type: 'postgresqlinstance',
        owner: 'group:default/team-alpha',
        dependencyOf: ['component:default/checkout-service'],
      },
    });
  });

  it('leaves out an owner and a component it was not given, and takes another namespace', () => {
    const entity = resourceEntity({ ref }, 'platform');
    expect(entity.metadata.namespace).toBe('platform');
    expect(entity.spec).toEqual({ type: 'postgresqlinstance' });
  });
});

describe('processedResourceEntity', () => {
  it('relates the entity to its owner and component as the catalog completes their refs', () => {
    expect(
      processedResourceEntity({
        ref,
        owner: 'team-alpha',
        component: 'component:shop/checkout-service',
      }).relations,
    ).toEqual([
      { type: 'ownedBy', targetRef: 'group:default/team-alpha' },
      { type: 'dependencyOf', targetRef: 'component:shop/checkout-service' },
    ]);
    expect(
      processedResourceEntity(
        { ref, owner: 'user:pat', component: 'component:checkout-service' },
        'platform',
      ).relations,
    ).toEqual([
      { type: 'ownedBy', targetRef: 'user:platform/pat' },
      {
        type: 'dependencyOf',
        targetRef: 'component:platform/checkout-service',
      },
    ]);
  });

  it('relates nothing to a ref the catalog could not read, so it grants nothing', () => {
    expect(
      processedResourceEntity({
        ref,
        owner: 'group:default/',
        component: 'checkout-service',
      }).relations,
    ).toEqual([]);
    expect(processedResourceEntity({ ref }).relations).toEqual([]);
  });
});
