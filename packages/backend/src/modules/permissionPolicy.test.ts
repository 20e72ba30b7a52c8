/*
 * The policy's whole matrix: every permission the deployment's plugins ask about, for alice and
 * bob (team members), pat (platform team), guest and a service, decided as the module says:
 * deny by default, owners act on what they own, the platform group on all, scaffolder tasks are
 * their owner's, guest only reads.
 */
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogPermissions } from '@backstage/plugin-catalog-common/alpha';
import {
  AuthorizeResult,
  type ConditionalPolicyDecision,
  type Permission,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import { scaffolderPermissions } from '@backstage/plugin-scaffolder-common/alpha';
import { crossplaneTemporalPermissions } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { PlatformPermissionPolicy } from './permissionPolicy';

const ORG: Record<string, string[]> = {
  'user:default/alice': ['group:default/team-alpha'],
  'user:default/bob': ['group:default/team-beta'],
  'user:default/pat': ['group:default/platform-team'],
  'user:default/guest': [],
};

const policy = PlatformPermissionPolicy.fromConfig(
  new ConfigReader({
    auth: { providers: { guest: { userEntityRef: 'user:default/guest' } } },
  }),
  mockServices.userInfo.mock({
    async getUserInfo(credentials: any) {
      const ref = credentials.principal.userEntityRef;
      return { userEntityRef: ref, ownershipEntityRefs: [ref, ...ORG[ref]] };
    },
  }),
);

/** A decision as one word: allow, deny, or the rule a conditional decision applies and to whom. */
function summary(decision: PolicyDecision): string {
  if (decision.result === AuthorizeResult.ALLOW) return 'allow';
  if (decision.result === AuthorizeResult.DENY) return 'deny';
  const condition = (decision as ConditionalPolicyDecision).conditions as {
    rule: string;
    params: Record<string, string[]>;
  };
  const who = Object.values(condition.params)[0];
  return `${condition.rule}(${who.join(',')})`;
}

async function decide(user: string | undefined, permission: Permission) {
  return summary(
    await policy.handle(
      { permission },
      user
        ? ({
            credentials: mockCredentials.user(user),
            info: { userEntityRef: user, ownershipEntityRefs: [] },
            identity: {} as any,
            token: '',
            expiresInSeconds: undefined,
          } as any)
        : undefined,
    ),
  );
}

const USERS = ['alice', 'bob', 'pat', 'guest'] as const;

/** What each user gets for each permission; `own` is IS_ENTITY_OWNER on their own claims. */
const EXPECTED: Record<string, Record<(typeof USERS)[number], string>> = {
  'catalog.entity.read': {
    alice: 'allow',
    bob: 'allow',
    pat: 'allow',
    guest: 'allow',
  },
  'catalog.entity.create': {
    alice: 'deny',
    bob: 'deny',
    pat: 'allow',
    guest: 'deny',
  },
  'catalog.entity.delete': {
    alice: 'own',
    bob: 'own',
    pat: 'allow',
    guest: 'deny',
  },
  'catalog.entity.refresh': {
    alice: 'own',
    bob: 'own',
    pat: 'allow',
    guest: 'deny',
  },
  'catalog.entity.validate': {
    alice: 'allow',
    bob: 'allow',
    pat: 'allow',
    guest: 'deny',
  },
  'catalog.location.read': {
    alice: 'allow',
    bob: 'allow',
    pat: 'allow',
    guest: 'allow',
  },
  'catalog.location.create': {
    alice: 'deny',
    bob: 'deny',
    pat: 'allow',
    guest: 'deny',
  },
  'catalog.location.delete': {
    alice: 'deny',
    bob: 'deny',
    pat: 'allow',
    guest: 'deny',
  },
  'catalog.location.analyze': {
    alice: 'deny',
    bob: 'deny',
    pat: 'allow',
    guest: 'deny',
  },
  'scaffolder.action.execute': {
    alice: 'allow',
    bob: 'allow',
    pat: 'allow',
    guest: 'deny',
  },
  'scaffolder.template.parameter.read': {
    alice: 'allow',
    bob: 'allow',
    pat: 'allow',
    guest: 'allow',
  },
  'scaffolder.template.step.read': {
    alice: 'allow',
    bob: 'allow',
    pat: 'allow',
    guest: 'allow',
  },
  'scaffolder.task.create': {
    alice: 'allow',
    bob: 'allow',
    pat: 'allow',
    guest: 'deny',
  },
  'scaffolder.task.read': {
    alice: 'task',
    bob: 'task',
    pat: 'allow',
    guest: 'deny',
  },
  'scaffolder.task.cancel': {
    alice: 'task',
    bob: 'task',
    pat: 'allow',
    guest: 'deny',
  },
  'crossplane-temporal.resource.read': {
    alice: 'allow',
    bob: 'allow',
    pat: 'allow',
    guest: 'allow',
  },
  'crossplane-temporal.resource.create': {
    alice: 'own',
    bob: 'own',
    pat: 'allow',
    guest: 'deny',
  },
  'crossplane-temporal.resource.update': {
    alice: 'own',
    bob: 'own',
    pat: 'allow',
    guest: 'deny',
  },
  'crossplane-temporal.resource.delete': {
    alice: 'own',
    bob: 'own',
    pat: 'allow',
    guest: 'deny',
  },
  'crossplane-temporal.resource.approve': {
    alice: 'own',
    bob: 'own',
    pat: 'allow',
    guest: 'deny',
  },
};

function expected(user: (typeof USERS)[number], name: string): string {
  const value = EXPECTED[name]?.[user] ?? (user === 'pat' ? 'allow' : 'deny');
  const ref = `user:default/${user}`;
  if (value === 'own')
    return `IS_ENTITY_OWNER(${[ref, ...ORG[ref]].join(',')})`;
  if (value === 'task') return `IS_TASK_OWNER(${ref})`;
  return value;
}

describe('PlatformPermissionPolicy', () => {
  const permissions = [
    ...catalogPermissions,
    ...scaffolderPermissions,
    ...crossplaneTemporalPermissions,
  ];

  it('covers every permission the table names', () => {
    const names = permissions.map(p => p.name);
    for (const name of Object.keys(EXPECTED)) expect(names).toContain(name);
  });

  it.each(USERS)('decides every permission for %s', async user => {
    const got: Record<string, string> = {};
    const want: Record<string, string> = {};
    for (const permission of permissions) {
      got[permission.name] = await decide(`user:default/${user}`, permission);
      want[permission.name] = expected(user, permission.name);
    }
    expect(got).toEqual(want);
  });

  it('trusts services acting on their own', async () => {
    for (const permission of permissions)
      expect(await decide(undefined, permission)).toBe('allow');
  });

  it('denies what it does not know', async () => {
    const unknown = {
      type: 'basic',
      name: 'some.plugin.do',
      attributes: {},
    } as Permission;
    expect(await decide('user:default/alice', unknown)).toBe('deny');
    expect(await decide('user:default/pat', unknown)).toBe('allow');
  });
});
