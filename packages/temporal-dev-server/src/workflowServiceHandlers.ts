/*
 * Where a WorkflowService request enters: each implemented RPC, mapped onto namespaces and
 * workflow executions. RPCs without a handler answer UNIMPLEMENTED, naming the RPC.
 */
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@temporalio/proto';
import { describeExecution, executionInfo } from './describeExecution';
import { packAny } from './grpc/any';
import type { Plain } from './grpc/plain';
import { RpcError, type ServiceHandlers } from './grpc/serviceDefinition';
import {
  decodePageToken,
  encodePageToken,
  historyAnswer,
  historyPage,
  pageSize,
} from './history/pages';
import type { Namespaces } from './Namespaces';
import {
  alreadyStartedMessage,
  required,
  taskQueueName,
  validateStartRequest,
} from './startRequests';
import type { Execution, UpdateState } from './state';
import {
  CONFLICT_TERMINATE_EXISTING,
  CONFLICT_USE_EXISTING,
  TERMINATE_IF_RUNNING,
} from './workflowIdPolicies';
import type { WorkflowExecutions } from './WorkflowExecutions';
import { signaledEvent, type WorkflowEngine } from './WorkflowEngine';
import { STAGES } from './WorkflowUpdates';
import type { Visibility } from './visibility/Visibility';

export const SERVER_VERSION = '1.27.0-crossplane-temporal-dev';

/** The client versions this server takes, as Temporal's GetClusterInfo lists them. */
const SUPPORTED_CLIENTS = {
  'temporal-go': '<2.0.0',
  'temporal-java': '<2.0.0',
  'temporal-php': '<2.0.0',
  'temporal-typescript': '<2.0.0',
  'temporal-python': '<2.0.0',
  'temporal-cli': '<2.0.0',
  'temporal-server': '<2.0.0',
  'temporal-ui': '<3.0.0',
};

const CLOSE_EVENT_ONLY =
  temporal.api.enums.v1.HistoryEventFilterType
    .HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;
/** How long a history long-poll waits before answering "nothing yet, ask again". */
const LONG_POLL_MS = 20_000;

/** How long UpdateWorkflowExecution waits for its stage before answering with the one reached. */
const UPDATE_WAIT_MS = 10_000;

/** List page tokens are the index of the next run. */
function pageStart(token: Uint8Array | undefined): number {
  if (!token?.length) return 0;
  const from = Number(Buffer.from(token).toString('utf8'));
  if (!Number.isInteger(from) || from < 0) {
    throw new RpcError(
      grpc.status.INVALID_ARGUMENT,
      'nextPageToken is not a page token of this server: pass back the one a previous page returned',
    );
  }
  return from;
}

function updateResponse(
  e: Execution,
  update: UpdateState | undefined,
  updateId: string,
) {
  if (!update) {
    throw new RpcError(
      grpc.status.NOT_FOUND,
      'workflow execution already completed',
    );
  }
  return {
    updateRef: {
      workflowExecution: { workflowId: e.workflowId, runId: e.runId },
      updateId,
    },
    outcome: update.stage === 'completed' ? update.outcome : undefined,
    stage: STAGES[update.stage],
  };
}

const jsonPayload = (value: unknown) => ({
  metadata: { encoding: Buffer.from('json/plain') },
  data: Buffer.from(JSON.stringify(value)),
});

function alreadyStarted(execution: Execution, message: string): RpcError {
  return new RpcError(
    grpc.status.ALREADY_EXISTS,
    message,
    packAny(
      'temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure',
      { startRequestId: execution.requestId, runId: execution.runId },
    ),
  );
}

export function workflowServiceHandlers(options: {
  namespaces: Namespaces;
  visibility: Visibility;
  executions: WorkflowExecutions;
  engine: WorkflowEngine;
  /** This server's cluster ID, for GetClusterInfo. */
  clusterId: string;
}): ServiceHandlers<temporal.api.workflowservice.v1.WorkflowService> {
  const { namespaces, executions, engine, visibility } = options;

  const namespaceOf = (request: { namespace?: string }) => {
    const namespace = required(request.namespace, 'Namespace');
    if (!namespaces.has(namespace)) {
      throw new RpcError(
        grpc.status.NOT_FOUND,
        `Namespace ${namespace} is not found. Register it first, or use one of: ${namespaces
          .names()
          .join(', ')}`,
      );
    }
    return namespace;
  };

  const executionOf = (request: {
    namespace?: string;
    execution?: Plain<temporal.api.common.v1.IWorkflowExecution>;
    workflowExecution?: Plain<temporal.api.common.v1.IWorkflowExecution>;
  }) => {
    const namespace = namespaceOf(request);
    const ref = request.execution ?? request.workflowExecution ?? {};
    const workflowId = required(ref.workflowId, 'WorkflowId');
    const execution = executions.find(
      namespace,
      workflowId,
      ref.runId || undefined,
    );
    if (!execution) {
      // Temporal's words, as its persistence layer answers.
      throw new RpcError(
        grpc.status.NOT_FOUND,
        ref.runId
          ? `workflow execution not found for workflow ID "${workflowId}" and run ID "${ref.runId}"`
          : `workflow not found for ID: ${workflowId}`,
      );
    }
    return execution;
  };

  return {
    async GetSystemInfo() {
      return {
        serverVersion: SERVER_VERSION,
        capabilities: {
          signalAndQueryHeader: true,
          internalErrorDifferentiation: true,
          activityFailureIncludeHeartbeat: true,
          encodedFailureAttributes: true,
          upsertMemo: true,
          sdkMetadata: true,
        },
      };
    },

    async GetClusterInfo() {
      return {
        supportedClients: SUPPORTED_CLIENTS,
        serverVersion: SERVER_VERSION,
        clusterId: options.clusterId,
        clusterName: 'active',
        historyShardCount: 1,
        persistenceStore: 'memory',
        visibilityStore: 'memory',
        failoverVersionIncrement: 10,
        initialFailoverVersion: 1,
      };
    },

    async DescribeNamespace(request) {
      const found =
        request.id && !request.namespace
          ? namespaces.find({ id: request.id })
          : namespaces.find({ name: namespaceOf(request) });
      if (!found)
        throw new RpcError(
          grpc.status.NOT_FOUND,
          `Namespace ID ${request.id} is not found.`,
        );
      return namespaces.describe(found);
    },

    async ListNamespaces() {
      return { namespaces: namespaces.list().map(n => namespaces.describe(n)) };
    },

    async RegisterNamespace(request) {
      namespaces.register(request);
      return {};
    },

    async StartWorkflowExecution(request) {
      const namespace = namespaceOf(request);
      validateStartRequest(request, 'start', namespace, visibility);
      const result = engine.startRun(namespace, request);
      if (result.kind === 'already-started')
        throw alreadyStarted(result.execution, alreadyStartedMessage(result));
      return {
        runId: result.execution.runId,
        started: result.kind === 'started',
      };
    },

    async DescribeWorkflowExecution(request) {
      return describeExecution(executionOf(request));
    },

    async TerminateWorkflowExecution(request) {
      const e = executionOf(request);
      if (e.status !== 'WORKFLOW_EXECUTION_STATUS_RUNNING') {
        throw new RpcError(
          grpc.status.NOT_FOUND,
          'workflow execution already completed',
        );
      }
      engine.terminate(
        e,
        request.reason ?? '',
        request.identity ?? '',
        request.details,
      );
      return {};
    },

    async RequestCancelWorkflowExecution(request) {
      engine.requestCancel(executionOf(request), {
        cause: request.reason,
        identity: request.identity,
      });
      return {};
    },

    async GetWorkflowExecutionHistory(request, call) {
      const e = executionOf(request);
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      if (request.historyEventFilterType === CLOSE_EVENT_ONLY) {
        if (request.waitNewEvent)
          await executions.waitForClose(e, LONG_POLL_MS, abort.signal);
        if (e.status === 'WORKFLOW_EXECUTION_STATUS_RUNNING') {
          // Nothing closed yet: the client asks again with this token.
          return {
            history: { events: [] },
            nextPageToken: encodePageToken({ next: e.history.length }),
          };
        }
        return { history: { events: [executions.lastEvent(e)] } };
      }
      const { next: from, end } = decodePageToken(request.nextPageToken);
      const size = pageSize(request.maximumPageSize);
      // The rest of a workflow task's history (its poll's token), a transient task's events too.
      if (end !== undefined)
        return historyAnswer(
          historyPage(engine.tasks.history(e), from, { size, end }),
        );
      if (request.waitNewEvent)
        await executions.waitFor(
          e,
          () =>
            e.history.length > from ||
            e.status !== 'WORKFLOW_EXECUTION_STATUS_RUNNING',
          LONG_POLL_MS,
          abort.signal,
        );
      const page = historyPage(e.history, from, { size });
      // A long-poll gets a token to wait for what comes next while the run lives.
      const waitMore =
        request.waitNewEvent &&
        e.status === 'WORKFLOW_EXECUTION_STATUS_RUNNING';
      return historyAnswer({
        events: page.events,
        nextPageToken:
          page.nextPageToken ??
          (waitMore
            ? encodePageToken({ next: from + page.events.length })
            : undefined),
      });
    },

    async PollWorkflowTaskQueue(request, call) {
      const namespace = namespaceOf(request);
      const queue = taskQueueName(request.taskQueue);
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      while (!abort.signal.aborted) {
        const task = await engine.tasks.queues.poll(
          namespace,
          queue,
          abort.signal,
        );
        if (!task) return {};
        // The worker went away while it waited (a killed process): the task goes to the next.
        if (call.cancelled) {
          engine.tasks.queues.add(namespace, queue, task, true);
          return {};
        }
        const response = engine.startWorkflowTask(task, request.identity ?? '');
        if (response) return response;
      }
      return {};
    },

    async RespondWorkflowTaskCompleted(request) {
      return engine.completeWorkflowTask(request);
    },

    async RespondWorkflowTaskFailed(request) {
      engine.tasks.fail(request);
      return {};
    },

    async PollActivityTaskQueue(request, call) {
      const namespace = namespaceOf(request);
      const queue = taskQueueName(request.taskQueue);
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      while (!abort.signal.aborted) {
        const task = await engine.activities.queues.poll(
          namespace,
          queue,
          abort.signal,
        );
        if (!task) return {};
        if (call.cancelled) {
          engine.activities.queues.add(namespace, queue, task, true);
          return {};
        }
        const response = engine.activities.start(task, request.identity ?? '');
        if (response) return response;
      }
      return {};
    },

    async RespondActivityTaskCompleted(request) {
      engine.activities.complete(request);
      return {};
    },

    async RespondActivityTaskFailed(request) {
      engine.activities.fail(request);
      return {};
    },

    async RespondActivityTaskCanceled(request) {
      engine.activities.canceled(request);
      return {};
    },

    async RecordActivityTaskHeartbeat(request) {
      return engine.activities.heartbeat(request);
    },

    async UpdateWorkflowExecution(request, call) {
      const e = executionOf(request);
      const update = engine.admitUpdate(e, request.request);
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      return updateResponse(
        e,
        await engine.updates.wait(
          e,
          update.id,
          request.waitPolicy?.lifecycleStage || STAGES.accepted,
          UPDATE_WAIT_MS,
          abort.signal,
        ),
        update.id,
      );
    },

    async PollWorkflowExecutionUpdate(request, call) {
      if (!request.updateRef)
        throw new RpcError(
          grpc.status.INVALID_ARGUMENT,
          'UpdateRef is not set on request.',
        );
      const ref = request.updateRef;
      const e = executionOf({
        namespace: request.namespace,
        execution: ref.workflowExecution,
      });
      const updateId = required(ref.updateId, 'UpdateId');
      if (!e.updates[updateId])
        throw new RpcError(
          grpc.status.NOT_FOUND,
          `update "${updateId}" not found`,
        );
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      const update = await engine.updates.wait(
        e,
        updateId,
        request.waitPolicy?.lifecycleStage || STAGES.admitted,
        LONG_POLL_MS,
        abort.signal,
      );
      const { updateRef, ...rest } = updateResponse(e, update, updateId);
      return { ...rest, updateRef };
    },

    async ResetStickyTaskQueue(request) {
      executionOf(request).sticky = undefined;
      return {};
    },

    async SignalWorkflowExecution(request) {
      required(request.signalName, 'SignalName');
      engine.signal(executionOf(request), request);
      return {};
    },

    async QueryWorkflow(request) {
      if (!request.query)
        throw new RpcError(
          grpc.status.INVALID_ARGUMENT,
          'WorkflowQuery is not set on request.',
        );
      required(request.query.queryType, 'QueryType');
      const e = executionOf(request);
      const answer = await engine.queries.query(e, request.query);
      if (answer.answered) return { queryResult: answer.result };
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        answer.error ?? 'the query failed',
        packAny('temporal.api.errordetails.v1.QueryFailedFailure', {
          failure: answer.failure,
        }),
      );
    },

    async RespondQueryTaskCompleted(request) {
      engine.queries.answer(request);
      return {};
    },

    async SignalWithStartWorkflowExecution(request) {
      const namespace = namespaceOf(request);
      validateStartRequest(request, 'signal-with-start', namespace, visibility);
      const signal = {
        signalName: request.signalName,
        input: request.signalInput,
        identity: request.identity,
        header: request.header,
      };
      // As Temporal defaults them for signal-with-start: a running run is signalled, unless the
      // caller asks to terminate it (the conflict policy, or the older TERMINATE_IF_RUNNING).
      const conflictPolicy =
        request.workflowIdConflictPolicy ||
        (request.workflowIdReusePolicy === TERMINATE_IF_RUNNING
          ? CONFLICT_TERMINATE_EXISTING
          : CONFLICT_USE_EXISTING);
      const result = engine.startRun(
        namespace,
        {
          ...request,
          requestId: undefined,
          workflowIdConflictPolicy: conflictPolicy,
        },
        undefined,
        [signaledEvent(signal)],
      );
      if (result.kind === 'use-existing') {
        engine.signal(result.execution, signal);
        return { runId: result.execution.runId, started: false };
      }
      if (result.kind === 'already-started')
        throw alreadyStarted(result.execution, alreadyStartedMessage(result));
      return { runId: result.execution.runId, started: true };
    },

    async ShutdownWorker(request) {
      if (request.stickyTaskQueue)
        engine.tasks.dropStickyQueue(
          namespaceOf(request),
          request.stickyTaskQueue,
        );
      return {};
    },

    async ListWorkflowExecutions(request) {
      const namespace = namespaceOf(request);
      const { runs } = visibility.select(
        namespace,
        executions.list(namespace),
        request.query,
      );
      const from = pageStart(request.nextPageToken);
      const size = request.pageSize! > 0 ? request.pageSize! : 1000;
      const page = runs.slice(from, from + size);
      return {
        executions: page.map(executionInfo),
        nextPageToken:
          from + size < runs.length
            ? Buffer.from(String(from + size))
            : undefined,
      };
    },

    async CountWorkflowExecutions(request) {
      const namespace = namespaceOf(request);
      const { runs, groupBy } = visibility.select(
        namespace,
        executions.list(namespace),
        request.query,
      );
      if (!groupBy) return { count: runs.length };
      const counts = new Map<string, number>();
      for (const run of runs) {
        const status = visibility.statusName(run);
        counts.set(status, (counts.get(status) ?? 0) + 1);
      }
      return {
        count: runs.length,
        groups: [...counts].map(([status, count]) => ({
          groupValues: [jsonPayload(status)],
          count,
        })),
      };
    },
  };
}
