/*
 * Queries: a client's query rides the run's next workflow task, or goes out as a query task of
 * its own when nothing is pending; the worker's answer (in its task completion, or in
 * RespondQueryTaskCompleted) resolves the client's call.
 */
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@temporalio/proto';
import type { Clock } from './clock';
import type { Plain } from './grpc/plain';
import { RpcError } from './grpc/serviceDefinition';
import { historyAnswer, historyPage } from './history/pages';
import { isRunning, type Execution } from './state';
import { decodeToken, encodeToken } from './taskTokens';
import type { TaskQueues } from './TaskQueues';
import type { WorkflowExecutions } from './WorkflowExecutions';
import { hasFailingWorkflowTask, workflowNotReady } from './workflowNotReady';
import { normalQueue } from './workflowTaskEvents';
import type { WorkflowTask } from './WorkflowTasks';

const { QueryResultType } = temporal.api.enums.v1;

export type QueryRequest = Plain<temporal.api.query.v1.IWorkflowQuery>;
type QueryResult = Plain<temporal.api.query.v1.IWorkflowQueryResult>;

export interface QueryAnswer {
  answered: boolean;
  result?: Plain<temporal.api.common.v1.IPayloads>;
  error?: string;
  failure?: Plain<temporal.api.failure.v1.IFailure>;
}

export interface PendingQuery {
  id: string;
  request: QueryRequest;
}

export class WorkflowQueries {
  private readonly waiting = new Map<string, (answer: QueryAnswer) => void>();
  /** Which worker took a query, for the message when it never answers. */
  private readonly takenBy = new Map<string, string>();
  /** Queries waiting for the run's next workflow task, by run ID. */
  private readonly queued = new Map<string, PendingQuery[]>();

  constructor(
    private readonly executions: WorkflowExecutions,
    /** The workflow task queues, where a query task of its own goes. */
    private readonly queues: TaskQueues<WorkflowTask>,
    private readonly clock: Clock,
  ) {}

  /** Asks a worker to answer a query; resolves with its answer, or rejects after `timeoutMs`. */
  query(
    e: Execution,
    request: QueryRequest,
    timeoutMs = 30_000,
  ): Promise<QueryAnswer> {
    // As Temporal answers: no worker ever ran the workflow's code, so none can answer; and a
    // workflow whose task keeps failing would fail the query too.
    if (!isRunning(e) && !e.previousStartedEventId)
      throw workflowNotReady(
        'Workflow execution closed before WorkflowTaskStarted event',
      );
    if (hasFailingWorkflowTask(e))
      throw workflowNotReady(
        'Unable to query workflow due to Workflow Task in failed state.',
      );
    const id = `${e.runId}/${Math.random().toString(36).slice(2)}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        const message = this.describe(e, id);
        this.takenBy.delete(id);
        reject(
          new RpcError(
            grpc.status.DEADLINE_EXCEEDED,
            `no worker answered the query ${request.queryType} within ${
              timeoutMs / 1000
            } s; is a worker polling task queue ${e.taskQueue}? (${message})`,
          ),
        );
      }, timeoutMs);
      this.waiting.set(id, answer => {
        clearTimeout(timer);
        this.waiting.delete(id);
        this.takenBy.delete(id);
        resolve(answer);
      });
      this.dispatch(e, { id, request });
    });
  }

  /** The queries that ride the workflow task starting now, by ID (as the poll answer has them). */
  takeQueued(e: Execution): Record<string, QueryRequest> {
    const queued = this.queued.get(e.runId) ?? [];
    this.queued.delete(e.runId);
    return Object.fromEntries(
      queued.filter(q => this.waiting.has(q.id)).map(q => [q.id, q.request]),
    );
  }

  /**
   * A query sees every event before it: it rides the next workflow task when one is due, and
   * goes out as a query task of its own only when the workflow has nothing pending.
   */
  private dispatch(e: Execution, query: PendingQuery) {
    const task = isRunning(e) ? e.workflowTask : undefined;
    if (!task) {
      this.queues.add(e.namespace, e.taskQueue, {
        execution: e,
        scheduledEventId: 0,
        query,
      });
      return;
    }
    const queued = this.queued.get(e.runId) ?? [];
    queued.push(query);
    this.queued.set(e.runId, queued);
    if (!task.startedEventId) return;
    // A workflow task is running. The query rides the next one if its completion starts one in
    // the answer (as a worker running local activities does every few seconds, to keep its task
    // alive); otherwise it goes out again once the task is over (completed, failed or timed out).
    const startedEventId = task.startedEventId;
    void this.executions
      .waitFor(
        e,
        () => e.workflowTask?.startedEventId !== startedEventId,
        30_000,
      )
      .then(() =>
        setImmediate(() => {
          const waiting = this.queued.get(e.runId) ?? [];
          const at = waiting.indexOf(query);
          if (at === -1) return; // A task took it.
          waiting.splice(at, 1);
          if (waiting.length === 0) this.queued.delete(e.runId);
          if (this.waiting.has(query.id)) this.dispatch(e, query);
        }),
      );
  }

  /** The poll answer for a query task, or undefined when its caller gave up. */
  startTask(task: WorkflowTask, identity: string) {
    const e = task.execution;
    const query = task.query!;
    if (!this.waiting.has(query.id)) return undefined;
    this.takenBy.set(query.id, identity);
    // The worker answers from the last completed task: the whole history, in pages.
    const history = e.history;
    return {
      taskToken: encodeToken({
        kind: 'query',
        queryId: query.id,
        namespace: e.namespace,
        workflowId: e.workflowId,
        runId: e.runId,
        scheduledEventId: 0,
        attempt: 1,
      }),
      workflowExecution: { workflowId: e.workflowId, runId: e.runId },
      workflowType: { name: e.workflowType },
      // Where the last completed workflow task started: the worker replays the history up to
      // there before it answers (without it, Core answers from wherever its replay stopped).
      previousStartedEventId: e.previousStartedEventId,
      ...historyAnswer(historyPage(history, 0, { end: history.length })),
      query: query.request,
      workflowExecutionTaskQueue: normalQueue(e),
    };
  }

  /** The answers a workflow task's completion carries. */
  answerAll(results: Record<string, QueryResult | undefined> | undefined) {
    for (const [queryId, result] of Object.entries(results ?? {})) {
      this.waiting.get(queryId)?.(
        result?.resultType === QueryResultType.QUERY_RESULT_TYPE_ANSWERED
          ? { answered: true, result: result.answer }
          : {
              answered: false,
              error: result?.errorMessage,
              failure: result?.failure,
            },
      );
    }
  }

  /** A query task's answer (RespondQueryTaskCompleted). */
  answer(
    request: Plain<temporal.api.workflowservice.v1.IRespondQueryTaskCompletedRequest>,
  ): void {
    const token = decodeToken(request.taskToken, 'query');
    const answer = this.waiting.get(token.queryId ?? '');
    if (!answer) {
      // The caller gave up waiting; Temporal's words.
      throw new RpcError(
        grpc.status.NOT_FOUND,
        'query task not found, or already expired',
      );
    }
    answer(
      request.completedType === QueryResultType.QUERY_RESULT_TYPE_ANSWERED
        ? { answered: true, result: request.queryResult }
        : {
            answered: false,
            error: request.errorMessage,
            failure: request.failure,
          },
    );
  }

  /** Where a query went, and where the run's workflow task is, for error messages. */
  private describe(e: Execution, queryId: string): string {
    const takenBy = this.takenBy.get(queryId);
    if (takenBy)
      return `worker ${takenBy} took it as a query task and did not answer`;
    const task = e.workflowTask;
    if (!isRunning(e)) return 'the workflow is closed';
    if (!task) return 'no workflow task is pending';
    const queue = task.sticky
      ? `sticky queue ${task.queue}`
      : `task queue ${task.queue}`;
    return task.startedEventId
      ? `a workflow task on ${queue} was started ${
          this.clock.now() - (task.startedAt ?? 0)
        } ms ago and not answered`
      : `a workflow task waits on ${queue} since ${
          this.clock.now() - task.scheduledAt
        } ms`;
  }
}
