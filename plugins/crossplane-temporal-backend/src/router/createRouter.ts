/*
 * The REST API's routes: Backstage's validated OpenAPI router (requests are checked against
 * src/schema/openapi.yaml: unknown fields, wrong types and names that are not DNS-1123 are
 * refused with 400 before a handler runs), typed by the document's endpoint map. Bodies are JSON
 * of at most 256 KB. Every route needs a user's or a service's credentials (the httpRouter's
 * default policy); handlers only map HTTP to the reads (ResourceReads) and the requests
 * (ResourceRequests).
 */
import type {
  HttpAuthService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { createValidatedOpenApiRouterFromGeneratedEndpointMap } from '@backstage/backend-openapi-utils';
import { InputError } from '@backstage/errors';
import type { ResourcePathParams } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import express, {
  type ErrorRequestHandler,
  type Request,
  type Response,
} from 'express';
import Router from 'express-promise-router';
import { callerOf, type Caller } from '../access/caller';
import type { AuditTrail } from '../audit/AuditTrail';
import { spec } from '../schema/openapi.generated';
import type { ResourceReads } from '../service/ResourceReads';
import type { ResourceRequests } from '../service/ResourceRequests';
import { workflowIdOf } from '../service/resourcePath';
import type { PluginMetrics, RequestOutcome } from '../telemetry/metrics';
import type { EndpointMap } from './endpoints';
import { plainChecks } from './plainChecks';

/** A request of any route: handlers' requests are typed by the endpoint map. */
type AnyRequest = Request<any, any, any, any>;

/** The largest request body accepted. */
export const MAX_BODY_BYTES = 256 * 1024;

export interface RouterOptions {
  reads: ResourceReads;
  requests: ResourceRequests;
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  audit: AuditTrail;
  metrics: PluginMetrics;
}

/** A body too large or not JSON: said plainly, before anything else looks at the request. */
const bodyErrors: ErrorRequestHandler = (error, _req, _res, next) => {
  if (error?.type === 'entity.too.large') {
    const tooLarge = new Error(
      `the request body is ${Math.ceil(
        Number(error.length) / 1024,
      )} KB; at most ${
        MAX_BODY_BYTES / 1024
      } KB is accepted. Send a smaller spec.`,
    );
    tooLarge.name = 'PayloadTooLargeError';
    (tooLarge as { statusCode?: number }).statusCode = 413;
    next(tooLarge);
    return;
  }
  if (error?.type === 'entity.parse.failed') {
    next(
      new InputError(
        `the request body is not valid JSON (${error.message}); send a JSON object`,
      ),
    );
    return;
  }
  if (
    error?.type === 'encoding.unsupported' ||
    error?.type === 'charset.unsupported'
  ) {
    next(new InputError(`${error.message}; send UTF-8 JSON`));
    return;
  }
  next(error);
};

function outcomeOf(error: unknown): RequestOutcome {
  const name = (error as Error | undefined)?.name;
  switch (name) {
    case 'InputError':
      return 'refused';
    case 'NotAllowedError':
    case 'AuthenticationError':
      return 'denied';
    case 'NotFoundError':
      return 'not-found';
    case 'ConflictError':
      return 'conflict';
    case 'ServiceUnavailableError':
      return 'unavailable';
    default:
      return 'error';
  }
}

export async function createRouter(options: RouterOptions) {
  const { reads, requests, audit, metrics } = options;
  const router = Router();
  router.use(express.json({ limit: MAX_BODY_BYTES }));
  router.use(bodyErrors);

  const apiRouter =
    createValidatedOpenApiRouterFromGeneratedEndpointMap<EndpointMap>(
      spec,
      // The body is parsed above, with its size limit and its own messages.
      // Some refusals are worded plainly before the document's checks run.
      { middleware: [plainChecks] },
    );
  router.use(apiRouter);

  const caller = (req: AnyRequest) =>
    callerOf(req, { httpAuth: options.httpAuth, userInfo: options.userInfo });

  /** The OpenAPI operation a request was matched to: what metrics count requests by. */
  const operationIdOf = (req: AnyRequest) =>
    (req as { openapi?: { schema?: { operationId?: string } } }).openapi?.schema
      ?.operationId ?? 'Unknown';

  /** Counts the request by operation and outcome; audits reads (requests audit themselves). */
  async function handle<T>(
    operation: string,
    req: AnyRequest,
    res: Response,
    status: number,
    body: (who: Caller) => Promise<T>,
    read?: { workflowId?: string },
  ) {
    try {
      const who = await caller(req);
      const result = read
        ? await audit.record(
            {
              req,
              operation,
              actor: who.actor,
              workflowId: read.workflowId,
              kept: false,
              severity: 'low',
            },
            () => body(who),
          )
        : await body(who);
      metrics.request(
        operationIdOf(req),
        status === 202 ? 'accepted' : 'answered',
      );
      res.status(status).json(result);
    } catch (error) {
      metrics.request(operationIdOf(req), outcomeOf(error));
      res.locals.counted = true;
      throw error;
    }
  }

  const pathOf = (req: AnyRequest): ResourcePathParams =>
    req.params as unknown as ResourcePathParams;
  const resource = '/resources/:cluster/:namespace/:group/:kind/:name';

  apiRouter.get('/resources', (req, res) =>
    handle('list', req, res, 200, who => reads.list(who, req.query), {}),
  );
  apiRouter.get('/approvals', (req, res) =>
    handle(
      'pending-approvals',
      req,
      res,
      200,
      who => reads.pendingApprovals(who),
      {},
    ),
  );
  apiRouter.get('/kinds', (req, res) =>
    handle(
      'kinds',
      req,
      res,
      200,
      who => reads.kinds(who, req.query.cluster),
      {},
    ),
  );

  const about = (req: AnyRequest) => ({
    workflowId: workflowIdOf(pathOf(req)),
  });
  apiRouter.get(resource, (req, res) =>
    handle(
      'get',
      req,
      res,
      200,
      who => reads.get(who, pathOf(req)),
      about(req),
    ),
  );
  apiRouter.get(`${resource}/phase`, (req, res) =>
    handle(
      'get-phase',
      req,
      res,
      200,
      who => reads.phase(who, pathOf(req)),
      about(req),
    ),
  );
  apiRouter.get(`${resource}/tree`, (req, res) =>
    handle(
      'get-tree',
      req,
      res,
      200,
      who => reads.tree(who, pathOf(req)),
      about(req),
    ),
  );
  apiRouter.get(`${resource}/events`, (req, res) =>
    handle(
      'get-events',
      req,
      res,
      200,
      who => reads.events(who, pathOf(req)),
      about(req),
    ),
  );
  apiRouter.get(`${resource}/steps`, (req, res) =>
    handle(
      'get-steps',
      req,
      res,
      200,
      who => reads.steps(who, pathOf(req)),
      about(req),
    ),
  );
  apiRouter.get(`${resource}/history`, (req, res) =>
    handle(
      'get-history',
      req,
      res,
      200,
      who => reads.history(who, pathOf(req)),
      about(req),
    ),
  );

  apiRouter.post(`${resource}/provision`, (req, res) =>
    handle('provision', req, res, 202, who =>
      requests.provision(who, pathOf(req), req.body, req),
    ),
  );
  apiRouter.post(`${resource}/update`, (req, res) =>
    handle('update', req, res, 202, who =>
      requests.update(who, pathOf(req), req.body, req),
    ),
  );
  apiRouter.post(`${resource}/deprovision`, (req, res) =>
    handle('deprovision', req, res, 202, who =>
      requests.deprovision(who, pathOf(req), req.body, req),
    ),
  );
  apiRouter.post(`${resource}/provision/dry-run`, (req, res) =>
    handle('provision-dry-run', req, res, 200, who =>
      requests.dryRun('provision', who, pathOf(req), req.body, req),
    ),
  );
  apiRouter.post(`${resource}/update/dry-run`, (req, res) =>
    handle('update-dry-run', req, res, 200, who =>
      requests.dryRun('update', who, pathOf(req), req.body, req),
    ),
  );
  apiRouter.post(`${resource}/deprovision/dry-run`, (req, res) =>
    handle('deprovision-dry-run', req, res, 200, who =>
      requests.dryRun('deprovision', who, pathOf(req), req.body, req),
    ),
  );
  apiRouter.post(`${resource}/retry`, (req, res) =>
    handle('retry', req, res, 202, who =>
      requests.retry(who, pathOf(req), req.body, req),
    ),
  );
  apiRouter.post(`${resource}/approval`, (req, res) =>
    handle('approval', req, res, 200, who =>
      requests.decideApproval(who, pathOf(req), req.body, req),
    ),
  );

  // Requests refused before a handler ran (the document's checks) are counted too.
  router.use(((error, req, res, next) => {
    if (!res.locals.counted)
      metrics.request(operationIdOf(req), outcomeOf(error));
    next(error);
  }) as ErrorRequestHandler);

  return router;
}
