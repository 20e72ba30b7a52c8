import {
  boundedEntityName,
  componentResourcesPath,
  resourceEntityName,
  shortHash,
  xrdApiEntityName,
} from './entityNames';

// The catalog's rule for entity names (KubernetesValidatorFunctions.isValidObjectName).
const VALID_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

const ref = {
  cluster: 'local',
  namespace: 'team-alpha',
  kind: 'PostgreSQLInstance',
  name: 'orders-db',
};

describe('resourceEntityName', () => {
  it('reads as name, kind, namespace and cluster when it fits', () => {
    expect(resourceEntityName(ref)).toBe(
      'orders-db.postgresqlinstance.team-alpha.local',
    );
  });

  it('tells apart resources that differ in any part of their identity', () => {
    const names = new Set(
      [
        ref,
        { ...ref, cluster: 'prod' },
        { ...ref, namespace: 'team-beta' },
        { ...ref, kind: 'Bucket' },
        { ...ref, name: 'orders-db-2' },
      ].map(resourceEntityName),
    );
    expect(names.size).toBe(5);
  });

  it('shortens long identities to 63 characters with a stable hash, keeping them apart', () => {
    const long = {
      cluster: 'production-eu-west-1',
      namespace: 'team-with-a-rather-long-namespace-name',
      kind: 'PostgreSQLFlexibleServer',
      name: 'orders-database-for-the-checkout-service-primary',
    };
    const name = resourceEntityName(long);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(VALID_NAME);
    expect(name.startsWith('orders-database-for-the-checkout-service')).toBe(
      true,
    );
    expect(resourceEntityName({ ...long })).toBe(name);
    expect(
      resourceEntityName({ ...long, cluster: 'production-eu-west-2' }),
    ).not.toBe(name);
    expect(
      resourceEntityName({ ...long, name: `${long.name.slice(0, -1)}x` }),
    ).not.toBe(name);
  });

  it('always gives a name the catalog accepts, at every length around the limit', () => {
    for (let length = 1; length < 120; length++) {
      const name = resourceEntityName({
        ...ref,
        name: 'a'.repeat(length - 1).concat('b'),
      });
      expect(name).toMatch(VALID_NAME);
      expect(name.length).toBeLessThanOrEqual(63);
    }
  });
});

describe('boundedEntityName', () => {
  it('replaces characters the catalog refuses and trims separators at the ends', () => {
    expect(boundedEntityName('-My Thing/v1-')).toBe('My-Thing-v1');
  });

  it('never cuts in a way that leaves a separator before the hash', () => {
    const name = boundedEntityName(`${'a'.repeat(53)}.-${'b'.repeat(20)}`);
    expect(name).toMatch(VALID_NAME);
    expect(name).toMatch(/^a{53}-[0-9a-z]{8}$/);
  });
});

describe('shortHash', () => {
  it('is eight base-36 digits, the same for the same input, different for others', () => {
    expect(shortHash('abc')).toMatch(/^[0-9a-z]{8}$/);
    expect(shortHash('abc')).toBe(shortHash('abc'));
    const hashes = new Set(
      Array.from({ length: 2000 }, (_, i) => shortHash(`resource-${i}`)),
    );
    expect(hashes.size).toBe(2000);
  });
});

describe('xrdApiEntityName', () => {
  it('is the offered kind and its group', () => {
    expect(xrdApiEntityName('database.example.org', 'PostgreSQLInstance')).toBe(
      'postgresqlinstance.database.example.org',
    );
  });
});

describe('componentResourcesPath', () => {
  it('points at the component page tab, from a full or short ref', () => {
    expect(componentResourcesPath('component:default/checkout-service')).toBe(
      '/catalog/default/component/checkout-service/crossplane-resources',
    );
    expect(componentResourcesPath('checkout-service')).toBe(
      '/catalog/default/component/checkout-service/crossplane-resources',
    );
  });
});
