/*
 * Where every request enters: the admin endpoint and public paths, then authentication and
 * impersonation, injected faults, OpenAPI and discovery, and resource requests to their handlers
 * (`handlers/`). Every request but the admin endpoint's is recorded in the audit log as the
 * simulator saw it.
 */
import type http from 'node:http';
import type { ApiContext } from './apiContext';
import { discoveryDocument } from './discovery';
import { handleResourceRequest } from './handlers/handleResourceRequest';
import { impersonate } from './impersonation';
import { OPENAPI_V2_PATH, sendOpenApiV2 } from './openApi';
import { publicInfo } from './publicInfo';
import { describePath, describeRoute, startAuditRecord } from './requestAudit';
import { sendError, sendJson } from './responses';
import {
  isApiPath,
  isDiscoveryPath,
  pathSegments,
  resolveRoute,
  verbOf,
} from './routing';
import { StatusError } from './status';

export function createApiHandler(ctx: ApiContext) {
  return async function handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const segments = pathSegments(url.pathname);
    const record = startAuditRecord(req);
    try {
      if (ctx.onAdminRoute && segments[0] === 'admin') {
        await ctx.onAdminRoute(req, res, url);
        return;
      }
      const info = publicInfo(url.pathname);
      if (info !== undefined) {
        sendJson(res, 200, info);
        record.code = 200;
        return;
      }
      // What the request is about goes into the audit record even when it is refused.
      describePath(record, ctx.registry, segments);
      const identity = ctx.authenticator.authenticate(req);
      if (!identity) throw StatusError.unauthorized();
      record.user = identity.user;
      record.credentialId = identity.credentialId;
      const { effective, impersonated } = impersonate(ctx.rbac, identity, req);
      record.impersonatedUser = impersonated?.user;
      record.impersonatedGroups = impersonated
        ? req.headersDistinct['impersonate-group'] ?? []
        : undefined;
      await ctx.faults.beforeRequest(req);

      if (url.pathname === OPENAPI_V2_PATH) {
        sendOpenApiV2(res);
        record.code = 200;
        return;
      }
      if (!isApiPath(segments)) {
        throw new StatusError(
          404,
          'NotFound',
          `the server could not find the requested resource (${url.pathname})`,
        );
      }
      if (isDiscoveryPath(segments)) {
        sendJson(res, 200, discoveryDocument(ctx.registry, segments));
        record.code = 200;
        return;
      }
      const route = resolveRoute(ctx.registry, segments);
      describeRoute(record, route);
      record.verb = verbOf(req.method ?? 'GET', route, url);
      if (url.searchParams.get('dryRun') === 'All') record.dryRun = true;
      record.code = await handleResourceRequest(ctx, {
        route,
        req,
        res,
        url,
        identity: effective,
      });
    } catch (error) {
      record.code = sendError(res, error, unexpected =>
        ctx.log('error', 'request failed', {
          path: url.pathname,
          error: String((unexpected as Error)?.stack ?? unexpected),
        }),
      );
    } finally {
      if (segments[0] !== 'admin') ctx.audit.record(record);
    }
  };
}
