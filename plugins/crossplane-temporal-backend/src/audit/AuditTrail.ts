/*
 * Every request, decision and outcome goes to Backstage's auditor (who, what, which resource,
 * the result); those that act on a resource are also kept in the plugin's database, so that the
 * resource's history can join them with its workflow's steps.
 */
import {
  resolvePackagePath,
  type AuditorService,
  type AuditorServiceEventSeverityLevel,
  type DatabaseService,
} from '@backstage/backend-plugin-api';
import type { Request } from 'express';
import type { Knex } from 'knex';

export interface AuditRecord {
  workflowId: string;
  at: string;
  actor: string;
  operation: string;
  outcome: 'succeeded' | 'failed';
  message: string;
  requestId?: string;
}

export interface AuditedRequest {
  req: Request<any, any, any, any, any>;
  /** e.g. `provision`, `read`. */
  operation: string;
  actor: string;
  /** The resource's workflow, when the request is about one. */
  workflowId?: string;
  requestId?: string;
  /** Requests that change something are kept for the resource's history. */
  kept: boolean;
  severity: AuditorServiceEventSeverityLevel;
  /** What else says what was asked (never a secret, never a spec's values). */
  meta?: Record<string, string | number | boolean>;
}

const TABLE = 'audit_events';
const HISTORY_LIMIT = 500;

export class AuditTrail {
  private constructor(
    private readonly auditor: AuditorService,
    private readonly db: Knex,
    private readonly now: () => Date,
  ) {}

  static async create(options: {
    auditor: AuditorService;
    database: DatabaseService;
    now?: () => Date;
  }): Promise<AuditTrail> {
    const db = await options.database.getClient();
    if (!options.database.migrations?.skip) {
      await db.migrate.latest({
        directory: resolvePackagePath(
          '@crossplane-temporal/plugin-crossplane-temporal-backend',
          'migrations',
        ),
      });
    }
    return new AuditTrail(
      options.auditor,
      db,
      options.now ?? (() => new Date()),
    );
  }

  /** Runs `body` as the audited request: its outcome (or error) is recorded either way. */
  async record<T>(
    request: AuditedRequest,
    body: () => Promise<T>,
    describe: (result: T) => string = () => 'done',
  ): Promise<T> {
    const event = await this.auditor.createEvent({
      eventId: `resource-${request.operation}`,
      severityLevel: request.severity,
      request: request.req,
      meta: {
        actor: request.actor,
        ...(request.workflowId ? { resource: request.workflowId } : {}),
        ...(request.requestId ? { requestId: request.requestId } : {}),
        ...request.meta,
      },
    });
    // Kept with the time the request arrived: what it started comes after it in a history.
    const at = this.now().toISOString();
    let result: T;
    try {
      result = await body();
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      await event.fail({ error: failure });
      await this.keep(request, at, 'failed', failure.message);
      throw error;
    }
    const message = describe(result);
    await event.success({ meta: { result: message } });
    await this.keep(request, at, 'succeeded', message);
    return result;
  }

  /** The kept records about a resource's workflow, oldest first (the newest 500). */
  async history(workflowId: string): Promise<AuditRecord[]> {
    const rows = await this.db(TABLE)
      .where({ workflow_id: workflowId })
      .orderBy('id', 'desc')
      .limit(HISTORY_LIMIT);
    return rows.reverse().map(row => ({
      workflowId: row.workflow_id,
      at: row.at,
      actor: row.actor,
      operation: row.operation,
      outcome: row.outcome,
      message: row.message,
      ...(row.request_id ? { requestId: row.request_id } : {}),
    }));
  }

  private async keep(
    request: AuditedRequest,
    at: string,
    outcome: AuditRecord['outcome'],
    message: string,
  ) {
    if (!request.kept || !request.workflowId) return;
    await this.db(TABLE).insert({
      workflow_id: request.workflowId,
      at,
      actor: request.actor,
      operation: request.operation,
      outcome,
      message: message.slice(0, 4000),
      request_id: request.requestId ?? null,
    });
  }
}
