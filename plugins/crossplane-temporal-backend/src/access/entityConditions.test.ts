import { resourceEntityOf } from './resourceEntity';
import { satisfies, UnknownRuleError } from './entityConditions';

const entity = resourceEntityOf({
  ref: {
    cluster: 'local',
    apiVersion: 'database.example.org/v1alpha1',
    kind: 'PostgreSQLInstance',
    namespace: 'team-alpha',
    name: 'db',
  },
  owner: 'group:default/team-alpha',
  component: 'component:default/checkout-service',
});
const rule = (name: string, params: Record<string, string | string[]>) => ({
  rule: name,
  resourceType: 'catalog-entity',
  params,
});

describe('satisfies', () => {
  it('applies the catalog rules to a resource as an entity', () => {
    expect(
      satisfies(
        entity,
        rule('IS_ENTITY_OWNER', { claims: ['group:default/team-alpha'] }),
      ),
    ).toBe(true);
    expect(
      satisfies(
        entity,
        rule('IS_ENTITY_OWNER', { claims: ['group:default/team-beta'] }),
      ),
    ).toBe(false);
    expect(
      satisfies(entity, rule('IS_ENTITY_KIND', { kinds: ['resource'] })),
    ).toBe(true);
    expect(
      satisfies(
        entity,
        rule('HAS_ANNOTATION', {
          annotation: 'crossplane-temporal.io/cluster',
          value: 'local',
        }),
      ),
    ).toBe(true);
    expect(
      satisfies(
        entity,
        rule('HAS_SPEC', { key: 'owner', value: 'group:default/team-alpha' }),
      ),
    ).toBe(true);
    expect(satisfies(entity, rule('HAS_LABEL', { label: 'x' }))).toBe(false);
    expect(
      satisfies(
        entity,
        rule('HAS_METADATA', { key: 'namespace', value: 'default' }),
      ),
    ).toBe(true);
  });

  it('combines criteria', () => {
    const owner = rule('IS_ENTITY_OWNER', {
      claims: ['group:default/team-alpha'],
    });
    const other = rule('IS_ENTITY_OWNER', {
      claims: ['group:default/team-beta'],
    });
    expect(satisfies(entity, { allOf: [owner, { not: other }] })).toBe(true);
    expect(satisfies(entity, { anyOf: [other, { not: owner }] })).toBe(false);
  });

  it('does not take a rule it does not know as met', () => {
    expect(() => satisfies(entity, rule('IS_TUESDAY', {}))).toThrow(
      UnknownRuleError,
    );
  });
});
