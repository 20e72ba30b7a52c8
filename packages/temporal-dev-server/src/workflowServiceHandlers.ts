/*
 * Where a WorkflowService request enters: each implemented RPC, mapped onto namespaces and
 * workflow executions. RPCs without a handler answer UNIMPLEMENTED, naming the RPC.
 */
import * as grpc from '@grpc/grpc-js';
import root from '@temporalio/proto';
import { RpcError, type Handler } from './grpc/serviceDefinition';
import { timestamp } from './history/time';
import type { Execution, WorkflowExecutions } from './WorkflowExecutions';
import type { WorkflowEngine } from './WorkflowEngine';

export const SERVER_VERSION = '1.27.0-crossplane-temporal-dev';

// temporal.api.enums.v1.HistoryEventFilterType
const CLOSE_EVENT_ONLY = 2;
/** How long a history long-poll waits before answering "nothing yet, ask again". */
const LONG_POLL_MS = 20_000;

function alreadyStarted(execution: Execution, message: string): RpcError {
  const type = (root as any).lookupType(
    'temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure',
  );
  return new RpcError(grpc.status.ALREADY_EXISTS, message, {
    typeUrl:
      'type.googleapis.com/temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure',
    value: type
      .encode(
        type.fromObject({
          startRequestId: execution.requestId,
          runId: execution.runId,
        }),
      )
      .finish(),
  });
}

function required(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new RpcError(grpc.status.INVALID_ARGUMENT, `${field} is required`);
  }
  return value;
}

export function workflowServiceHandlers(options: {
  namespaces: Set<string>;
  executions: WorkflowExecutions;
  engine: WorkflowEngine;
}): Record<string, Handler> {
  const { namespaces, executions, engine } = options;

  const namespaceOf = (request: { namespace?: string }) => {
    const namespace = required(request.namespace, 'namespace');
    if (!namespaces.has(namespace)) {
      throw new RpcError(
        grpc.status.NOT_FOUND,
        `Namespace ${namespace} is not found. Register it first, or use one of: ${[
          ...namespaces,
        ].join(', ')}`,
      );
    }
    return namespace;
  };

  const executionOf = (request: {
    namespace?: string;
    execution?: any;
    workflowExecution?: any;
  }) => {
    const namespace = namespaceOf(request);
    const ref = request.execution ?? request.workflowExecution ?? {};
    const workflowId = required(ref.workflowId, 'execution.workflowId');
    const execution = executions.find(
      namespace,
      workflowId,
      ref.runId || undefined,
    );
    if (!execution) {
      throw new RpcError(
        grpc.status.NOT_FOUND,
        `workflow execution not found for workflow ID ${workflowId}${
          ref.runId ? ` and run ID ${ref.runId}` : ''
        }`,
      );
    }
    return execution;
  };

  /** Starts a run (StartWorkflowExecution and SignalWithStart share it). */
  const start = (namespace: string, request: any) => {
    const workflowId = required(request.workflowId, 'workflowId');
    const workflowType = required(
      request.workflowType?.name,
      'workflowType.name',
    );
    const taskQueue = required(request.taskQueue?.name, 'taskQueue.name');
    const result = executions.start({
      namespace,
      workflowId,
      workflowType,
      taskQueue,
      requestId: request.requestId || workflowId,
      reusePolicy: request.workflowIdReusePolicy ?? 0,
      memo: request.memo,
      searchAttributes: request.searchAttributes,
      attributes: {
        workflowType: request.workflowType,
        taskQueue: request.taskQueue,
        input: request.input,
        workflowExecutionTimeout: request.workflowExecutionTimeout,
        workflowRunTimeout: request.workflowRunTimeout,
        // The SDK needs a workflow task timeout; 10 s is Temporal's default.
        workflowTaskTimeout: request.workflowTaskTimeout ?? { seconds: 10 },
        identity: request.identity,
        memo: request.memo,
        searchAttributes: request.searchAttributes,
        header: request.header,
        retryPolicy: request.retryPolicy,
        workflowId,
      },
    });
    if (result.kind === 'started') engine.requestWorkflowTask(result.execution);
    return result;
  };

  const describeNamespace = (name: string) => ({
    namespaceInfo: {
      name,
      state: 'NAMESPACE_STATE_REGISTERED',
      id: name,
      description: 'dev server namespace',
    },
    config: { workflowExecutionRetentionTtl: { seconds: 24 * 3600 } },
    isGlobalNamespace: false,
  });

  const executionInfo = (e: Execution) => ({
    execution: { workflowId: e.workflowId, runId: e.runId },
    type: { name: e.workflowType },
    startTime: timestamp(e.startTime),
    executionTime: timestamp(e.startTime),
    closeTime: e.closeTime ? timestamp(e.closeTime) : undefined,
    status: e.status,
    historyLength: e.history.length,
    taskQueue: e.taskQueue,
    memo: e.memo,
    searchAttributes: e.searchAttributes,
  });

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
        clusterName: 'dev',
        serverVersion: SERVER_VERSION,
        historyShardCount: 1,
        persistenceStore: 'memory',
        visibilityStore: 'memory',
      };
    },

    async DescribeNamespace(request) {
      if (request.id && !request.namespace)
        return describeNamespace(namespaceOf({ namespace: request.id }));
      return describeNamespace(namespaceOf(request));
    },

    async ListNamespaces() {
      return { namespaces: [...namespaces].map(describeNamespace) };
    },

    async RegisterNamespace(request) {
      const name = required(request.namespace, 'namespace');
      if (namespaces.has(name))
        throw new RpcError(
          grpc.status.ALREADY_EXISTS,
          `Namespace ${name} already exists`,
        );
      namespaces.add(name);
      return {};
    },

    async StartWorkflowExecution(request) {
      const namespace = namespaceOf(request);
      const result = start(namespace, request);
      if (result.kind === 'already-started') {
        throw alreadyStarted(
          result.execution,
          `Workflow execution is already running. WorkflowId: ${request.workflowId}, RunId: ${result.execution.runId}.`,
        );
      }
      return {
        runId: result.execution.runId,
        started: result.kind === 'started',
      };
    },

    async DescribeWorkflowExecution(request) {
      const e = executionOf(request);
      return {
        executionConfig: {
          taskQueue: { name: e.taskQueue, kind: 'TASK_QUEUE_KIND_NORMAL' },
        },
        workflowExecutionInfo: executionInfo(e),
      };
    },

    async TerminateWorkflowExecution(request) {
      const e = executionOf(request);
      if (e.status !== 'WORKFLOW_EXECUTION_STATUS_RUNNING') {
        throw new RpcError(
          grpc.status.NOT_FOUND,
          'workflow execution already completed',
        );
      }
      executions.terminate(e, {
        reason: request.reason,
        details: request.details,
        identity: request.identity,
      });
      return {};
    },

    async GetWorkflowExecutionHistory(request, call) {
      const e = executionOf(request);
      const closeOnly = request.historyEventFilterType === CLOSE_EVENT_ONLY;
      if (
        closeOnly &&
        e.status === 'WORKFLOW_EXECUTION_STATUS_RUNNING' &&
        request.waitNewEvent
      ) {
        const abort = new AbortController();
        call.on('cancelled', () => abort.abort());
        await executions.waitForClose(e, LONG_POLL_MS, abort.signal);
      }
      if (closeOnly) {
        if (e.status === 'WORKFLOW_EXECUTION_STATUS_RUNNING') {
          // Nothing closed yet: the client asks again with this token.
          return {
            history: { events: [] },
            nextPageToken: Buffer.from(e.runId),
          };
        }
        return { history: { events: [e.history[e.history.length - 1]] } };
      }
      return { history: { events: e.history } };
    },

    async PollWorkflowTaskQueue(request, call) {
      const namespace = namespaceOf(request);
      const queue = required(request.taskQueue?.name, 'taskQueue.name');
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      while (!abort.signal.aborted) {
        const task = await engine.workflowTasks.poll(
          namespace,
          queue,
          abort.signal,
        );
        if (!task) return {};
        const response = engine.startWorkflowTask(task, request.identity ?? '');
        if (response) return response;
      }
      return {};
    },

    async RespondWorkflowTaskCompleted(request) {
      engine.completeWorkflowTask(request);
      return {};
    },

    async RespondWorkflowTaskFailed(request) {
      engine.failWorkflowTask(request);
      return {};
    },

    async PollActivityTaskQueue(request, call) {
      const namespace = namespaceOf(request);
      const queue = required(request.taskQueue?.name, 'taskQueue.name');
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      while (!abort.signal.aborted) {
        const task = await engine.activityTasks.poll(
          namespace,
          queue,
          abort.signal,
        );
        if (!task) return {};
        const response = engine.startActivityTask(task);
        if (response) return response;
      }
      return {};
    },

    async RespondActivityTaskCompleted(request) {
      engine.completeActivity(request);
      return {};
    },

    async RespondActivityTaskFailed(request) {
      engine.failActivity(request);
      return {};
    },

    async SignalWorkflowExecution(request) {
      engine.signal(executionOf(request), request);
      return {};
    },

    async QueryWorkflow(request) {
      const e = executionOf(request);
      const answer = await engine.query(e, request.query);
      if (answer.answered) return { queryResult: answer.result };
      const type = (root as any).lookupType(
        'temporal.api.errordetails.v1.QueryFailedFailure',
      );
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        answer.error ?? 'the query failed',
        {
          typeUrl:
            'type.googleapis.com/temporal.api.errordetails.v1.QueryFailedFailure',
          value: type
            .encode(type.fromObject({ failure: answer.failure }))
            .finish(),
        },
      );
    },

    async RespondQueryTaskCompleted(request) {
      engine.answerQuery(request);
      return {};
    },

    async SignalWithStartWorkflowExecution(request) {
      const namespace = namespaceOf(request);
      const workflowId = required(request.workflowId, 'workflowId');
      const running = executions.find(namespace, workflowId);
      let execution = running;
      let started = false;
      if (!running || running.status !== 'WORKFLOW_EXECUTION_STATUS_RUNNING') {
        const result = start(namespace, {
          ...request,
          requestId: request.requestId || `${workflowId}-${Date.now()}`,
        });
        execution = result.execution;
        started = result.kind === 'started';
      }
      engine.signal(execution!, {
        signalName: request.signalName,
        input: request.signalInput,
        identity: request.identity,
        header: request.header,
      });
      return { runId: execution!.runId, started };
    },

    async ShutdownWorker() {
      return {};
    },

    async ListWorkflowExecutions(request) {
      const namespace = namespaceOf(request);
      if (request.query) {
        throw new RpcError(
          grpc.status.UNIMPLEMENTED,
          `ListWorkflowExecutions with a visibility query is not implemented by this dev server yet (query: ${request.query})`,
        );
      }
      return { executions: executions.list(namespace).map(executionInfo) };
    },
  };
}
