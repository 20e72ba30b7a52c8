import { ConfigReader } from '@backstage/config';
import { Tenancy } from './tenancy';

const tenancy = Tenancy.fromConfig(
  new ConfigReader({
    crossplaneTemporal: {
      clusters: [
        {
          name: 'local',
          tenants: [
            {
              group: 'group:default/team-alpha',
              namespaces: ['team-alpha', 'shared'],
            },
            { group: 'group:default/Team-Beta', namespaces: ['team-beta'] },
            { group: 'group:default/platform-team', namespaces: ['*'] },
          ],
        },
        { name: 'untenanted' },
      ],
    },
  }),
);

describe('Tenancy', () => {
  it('gives a user the namespaces of every group they belong to', () => {
    expect(
      tenancy.namespacesFor('local', [
        'user:default/alice',
        'group:default/team-alpha',
      ]),
    ).toEqual(['shared', 'team-alpha']);
    expect(
      tenancy.namespacesFor('local', [
        'group:default/team-beta',
        'group:default/team-alpha',
      ]),
    ).toEqual(['shared', 'team-alpha', 'team-beta']);
    expect(
      tenancy.mayUse('local', 'team-beta', ['group:default/team-alpha']),
    ).toBe(false);
  });

  it('gives all namespaces to a group with *', () => {
    expect(
      tenancy.namespacesFor('local', ['group:default/platform-team']),
    ).toEqual(['*']);
    expect(
      tenancy.mayUse('local', 'anything', ['group:default/platform-team']),
    ).toBe(true);
  });

  it('lets no one use a cluster without tenants, or one not configured', () => {
    expect(
      tenancy.namespacesFor('untenanted', ['group:default/platform-team']),
    ).toEqual([]);
    expect(
      tenancy.mayUse('elsewhere', 'team-alpha', ['group:default/team-alpha']),
    ).toBe(false);
  });
});
