/*
 * The Backstage backend of the local stack and the reference deployment.
 *
 * Plugins come from the new backend system; the two modules in ./modules are ours: the demo
 * sign-in provider (local development only) and the permission policy. The crossplane-temporal
 * plugin is this project's.
 */
import { createBackend } from '@backstage/backend-defaults';
import { rootHttpRouterServiceFactory } from '@backstage/backend-defaults/rootHttpRouter';

const backend = createBackend();

// The default middleware chain, except that error responses never carry stack traces, not even in
// development: users get the message, operators find the stack in the logs.
backend.add(
  rootHttpRouterServiceFactory({
    configure({ app, middleware, routes, healthRouter }) {
      app.use(middleware.helmet());
      app.use(middleware.cors());
      app.use(middleware.compression());
      app.use(middleware.logging());
      app.use(middleware.rateLimit());
      app.use(healthRouter);
      app.use(routes);
      app.use(middleware.notFound());
      app.use(middleware.error({ showStackTraces: false }));
    },
  }),
);

// Serves the built frontend in production; a no-op while the frontend dev server runs.
backend.add(import('@backstage/plugin-app-backend'));

// Auth: guest and demo-user sign-in for local use (refused in production unless explicitly allowed).
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
backend.add(import('./modules/demoAuthProvider'));

// Catalog: the project's own entity, the demo organisation, templates.
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
// Templates and API entities from Crossplane XRDs, Resource entities from resources. Its sources
// (the crossplane-temporal backend's watchers) are wired next; until then it logs that it has none.
backend.add(
  import(
    '@crossplane-temporal/plugin-catalog-backend-module-crossplane-temporal'
  ),
);

// Scaffolder, with its notification action and the crossplane-temporal actions
// (crossplane:resource:provision, update and deprovision).
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(
  import('@backstage/plugin-scaffolder-backend-module-notifications'),
);
backend.add(
  import(
    '@crossplane-temporal/plugin-scaffolder-backend-module-crossplane-temporal'
  ),
);

// Permissions, decided by our policy (not allow-all).
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(import('./modules/permissionPolicy'));

// Notifications and signals (live updates pushed to the browser), over the events bus.
backend.add(import('@backstage/plugin-events-backend'));
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

// Crossplane Temporal: the resource workflows' embedded worker and the cluster watchers, and its
// operations in the actions registry.
backend.add(import('@crossplane-temporal/plugin-crossplane-temporal-backend'));
backend.add(
  import('@crossplane-temporal/plugin-crossplane-temporal-node/alpha'),
);

// The actions of the plugins in backend.actions.pluginSources as MCP tools for AI assistants, at
// /api/mcp-actions/v1, with the caller's permissions.
backend.add(import('@backstage/plugin-mcp-actions-backend'));

backend.start();
