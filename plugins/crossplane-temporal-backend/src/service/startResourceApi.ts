/*
 * Assembles the REST API: a Temporal client (connected lazily, so the backend starts while
 * Temporal is down and answers 503 meanwhile), the ResourceWorkflowClient, the caches and what
 * they feed (signals, metrics), the audit trail, and the router. The caches start when the
 * backend has started, and keep trying while a cluster or Temporal cannot be reached.
 */
import type {
  AuditorService,
  DatabaseService,
  HttpAuthService,
  LifecycleService,
  LoggerService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import type { MetricsService } from '@backstage/backend-plugin-api/alpha';
import type { Config } from '@backstage/config';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { SignalsService } from '@backstage/plugin-signals-node';
import { Client, Connection } from '@temporalio/client';
import { ResourceAuthorizer } from '../access/ResourceAuthorizer';
import { Tenancy } from '../access/tenancy';
import { AuditTrail } from '../audit/AuditTrail';
import { ClusterStateCache } from '../cache/ClusterStateCache';
import { ResourceViews } from '../cache/ResourceViews';
import { VisibilityChangeFeed } from '../cache/VisibilityChangeFeed';
import { WorkflowStateCache } from '../cache/WorkflowStateCache';
import { createClusterClients } from '../cluster';
import { readPolicyOverrides } from '../policy/resourcePolicy';
import { createRouter } from '../router/createRouter';
import { PluginMetrics } from '../telemetry/metrics';
import { phaseSignals } from '../telemetry/phaseSignals';
import {
  readTemporalSettings,
  temporalTlsOptions,
} from '../worker/temporalConfig';
import { backoffDelayMs, pause, type Backoff } from '../lib/backoff';
import { registerSearchAttributes } from './registerSearchAttributes';
import { ResourceReads } from './ResourceReads';
import { ResourceRequests } from './ResourceRequests';
import { ResourceWorkflowClient } from './ResourceWorkflowClient';

export interface ResourceApiDeps {
  config: Config;
  logger: LoggerService;
  lifecycle: LifecycleService;
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  permissions: PermissionsService;
  auditor: AuditorService;
  database: DatabaseService;
  catalog: CatalogService;
  signals: SignalsService;
  metrics: MetricsService;
}

const START_BACKOFF: Backoff = { initialMs: 1_000, maxMs: 30_000 };

/** Runs `start` until it succeeds or `signal` aborts, backing off between tries. */
async function keepTrying(
  what: string,
  start: () => Promise<void>,
  logger: LoggerService,
  signal: AbortSignal,
) {
  for (let failures = 0; !signal.aborted; ) {
    try {
      await start();
      if (failures) logger.info(`${what}: started after ${failures} failures`);
      return;
    } catch (error) {
      if (signal.aborted) return;
      failures += 1;
      const retryInMs = backoffDelayMs(START_BACKOFF, failures);
      logger.warn(`${what}: could not start; trying again`, {
        error: String(error),
        failures,
        retryInMs,
      });
      await pause(retryInMs, signal);
    }
  }
}

export async function startResourceApi(deps: ResourceApiDeps) {
  const { config, logger } = deps;
  const settings = readTemporalSettings(config);
  const connection = Connection.lazy({
    address: settings.address,
    tls: temporalTlsOptions(settings),
    apiKey: settings.apiKey,
  });
  const client = new Client({ connection, namespace: settings.namespace });
  const apiConfig = config.getOptionalConfig('crossplaneTemporal.api');
  let searchAttributes = false;

  // Each accepted request is news for the workflow cache, made below.
  const accepted = new Set<(workflowId: string) => void>();
  const workflows = new ResourceWorkflowClient({
    client,
    taskQueue: settings.taskQueue,
    searchAttributes: () => searchAttributes,
    requestTimeoutMs:
      (apiConfig?.getOptionalNumber('requestTimeoutSeconds') ?? 30) * 1000,
    onAccepted: workflowId => accepted.forEach(tell => tell(workflowId)),
  });
  const feed = new VisibilityChangeFeed({
    list: query => workflows.list(query),
    logger,
  });
  const workflowCache = new WorkflowStateCache({
    source: {
      statusOf: workflowId => workflows.statusOf(workflowId),
      list: query => workflows.list(query),
    },
    logger,
    feeds: [feed],
  });
  accepted.add(workflowId => workflowCache.refresh(workflowId));
  const clusters = createClusterClients({ config, logger });
  const clusterCache = new ClusterStateCache({
    clusters,
    logger,
    onResourceChange: workflowId => workflowCache.refreshAfterNews(workflowId),
  });
  const views = new ResourceViews(clusterCache, workflowCache);
  const metrics = new PluginMetrics(deps.metrics);
  metrics.observeCacheAge(clusterCache, workflowCache);
  const signal = phaseSignals(
    deps.signals,
    logger,
    () => workflowCache.loadedAt > 0,
  );
  workflowCache.onChange((next, previous) => {
    metrics.stepsSeen(next, previous);
    signal(next, previous);
  });

  const audit = await AuditTrail.create({
    auditor: deps.auditor,
    database: deps.database,
  });
  // What both the reads and the requests decide with: the caches, permissions and policy.
  const access = {
    workflowCache,
    clusterCache,
    authorizer: new ResourceAuthorizer(deps.permissions, logger),
    tenancy: Tenancy.fromConfig(config),
    policies: readPolicyOverrides(config),
    audit,
  };
  const router = await createRouter({
    reads: new ResourceReads({ ...access, views, logger }),
    requests: new ResourceRequests({
      ...access,
      workflows,
      catalog: deps.catalog,
      clusters,
    }),
    httpAuth: deps.httpAuth,
    userInfo: deps.userInfo,
    audit,
    metrics,
  });

  const stopping = new AbortController();
  let starting: Promise<unknown> | undefined;
  deps.lifecycle.addStartupHook(() => {
    starting = Promise.all([
      clusterCache.start(),
      keepTrying(
        'the workflow cache',
        async () => {
          searchAttributes = await registerSearchAttributes(
            connection,
            settings.namespace,
            logger,
          );
          await workflowCache.start();
        },
        logger,
        stopping.signal,
      ),
    ]);
  });
  deps.lifecycle.addShutdownHook(async () => {
    stopping.abort();
    await starting?.catch(() => {});
    await workflowCache.stop();
    await clusterCache.stop();
    await clusters.close();
    await connection.close();
  });

  return { router, workflows, workflowCache, clusterCache };
}
