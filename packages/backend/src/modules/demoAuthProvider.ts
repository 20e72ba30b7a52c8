/*
 * Sign-in as one of the demo users declared in app-config (`auth.providers.demo.users`), so that a
 * local stack can show ownership, tenancy and approvals with more than one identity.
 *
 * It is a proxy-style provider: the frontend's sign-in page sends the chosen user's name in the
 * `x-demo-user` header and the user is resolved from the catalog, with the groups it is a member of
 * as ownership claims. It is a local convenience: it signs no one in unless NODE_ENV is
 * `development` (what `backstage-cli package start` sets), or
 * `auth.providers.demo.dangerouslyAllowOutsideDevelopment` is set. The demo users are declared in
 * app-config.development.yaml, which only the local stack loads.
 */
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError, NotAllowedError } from '@backstage/errors';
import {
  authProvidersExtensionPoint,
  createProxyAuthProviderFactory,
  createProxyAuthenticator,
} from '@backstage/plugin-auth-node';

/** The request header that carries the chosen demo user's name. */
export const DEMO_USER_HEADER = 'x-demo-user';

/** A demo user as declared in app-config. */
export interface DemoUser {
  /** Name of the User entity in the catalog's default namespace, e.g. `alice`. */
  name: string;
  /** What the sign-in page shows. */
  title?: string;
  description?: string;
}

export interface DemoAuthResult {
  user: DemoUser;
}

interface DemoAuthContext {
  users: Map<string, DemoUser>;
  enabled: boolean;
}

export function readDemoUsers(config: Config): DemoUser[] {
  return (config.getOptionalConfigArray('users') ?? []).map(user => ({
    name: user.getString('name'),
    title: user.getOptionalString('title'),
    description: user.getOptionalString('description'),
  }));
}

export const demoAuthenticator = createProxyAuthenticator<
  DemoAuthContext,
  DemoAuthResult,
  undefined
>({
  defaultProfileTransform: async ({ user }) => ({
    profile: { displayName: user.title ?? user.name },
  }),
  initialize({ config }) {
    const allowOutsideDevelopment =
      config.getOptionalBoolean('dangerouslyAllowOutsideDevelopment') === true;
    return {
      users: new Map(readDemoUsers(config).map(user => [user.name, user])),
      enabled:
        process.env.NODE_ENV === 'development' || allowOutsideDevelopment,
    };
  },
  async authenticate({ req }, { users, enabled }) {
    if (!enabled) {
      throw new NotAllowedError(
        "Demo users can only sign in to a local development backend (NODE_ENV=development). Use a real sign-in provider, or set 'auth.providers.demo.dangerouslyAllowOutsideDevelopment: true' if you really mean it.",
      );
    }
    const name = req.header(DEMO_USER_HEADER);
    if (!name) {
      throw new InputError(
        `Missing the '${DEMO_USER_HEADER}' header: say which demo user to sign in as.`,
      );
    }
    const user = users.get(name);
    if (!user) {
      const known = [...users.keys()].join(', ') || 'none configured';
      throw new NotAllowedError(
        `'${name}' is not a demo user. Known demo users: ${known} (auth.providers.demo.users in app-config).`,
      );
    }
    return { result: { user } };
  },
});

export const authModuleDemoProvider = createBackendModule({
  pluginId: 'auth',
  moduleId: 'demo-provider',
  register(reg) {
    reg.registerInit({
      deps: {
        providers: authProvidersExtensionPoint,
        logger: coreServices.logger,
      },
      async init({ providers, logger }) {
        providers.registerProvider({
          providerId: 'demo',
          factory: createProxyAuthProviderFactory({
            authenticator: demoAuthenticator,
            async signInResolver({ result }, ctx) {
              logger.info('Demo user signing in', { user: result.user.name });
              // Resolving through the catalog gives the user's groups as ownership claims.
              return ctx.signInWithCatalogUser({
                entityRef: {
                  kind: 'User',
                  namespace: 'default',
                  name: result.user.name,
                },
              });
            },
          }),
        });
      },
    });
  },
});

export default authModuleDemoProvider;
