/*
 * Workflow executions and their event histories, in memory: starting with the workflow ID
 * reuse rules, describing, terminating, and waiting for an execution to close. No workflow tasks
 * yet: executions are started and ended by clients only.
 */
import { randomUUID } from 'node:crypto';
import { timestamp } from './history/time';

export type ExecutionStatus =
  | 'WORKFLOW_EXECUTION_STATUS_RUNNING'
  | 'WORKFLOW_EXECUTION_STATUS_COMPLETED'
  | 'WORKFLOW_EXECUTION_STATUS_FAILED'
  | 'WORKFLOW_EXECUTION_STATUS_CANCELED'
  | 'WORKFLOW_EXECUTION_STATUS_TERMINATED'
  | 'WORKFLOW_EXECUTION_STATUS_TIMED_OUT';

export interface HistoryEvent {
  eventId: number;
  eventTime: { seconds: number; nanos: number };
  eventType: string;
  [attributes: string]: unknown;
}

export interface Execution {
  namespace: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
  requestId: string;
  status: ExecutionStatus;
  startTime: number;
  closeTime?: number;
  memo?: unknown;
  searchAttributes?: unknown;
  history: HistoryEvent[];
  waiters: Set<() => void>;
  /** The open workflow task: scheduled, then started by a worker's poll. */
  workflowTask?: {
    scheduledEventId: number;
    startedEventId?: number;
    attempt: number;
  };
  /** Something happened while a workflow task was open: schedule another when it completes. */
  needsWorkflowTask: boolean;
  /** Queries waiting for the next workflow task, so they see every event before them. */
  queuedQueries: Array<{ id: string; request: any }>;
  /** startedEventId of the last completed workflow task. */
  previousStartedEventId: number;
}

export interface StartRequest {
  namespace: string;
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  requestId: string;
  reusePolicy: number;
  /** The StartWorkflowExecution request's fields, for the started event's attributes. */
  attributes: Record<string, unknown>;
  memo?: unknown;
  searchAttributes?: unknown;
}

export type StartResult =
  | { kind: 'started'; execution: Execution }
  | { kind: 'duplicate-request'; execution: Execution }
  | { kind: 'already-started'; execution: Execution };

// temporal.api.enums.v1.WorkflowIdReusePolicy
const REJECT_DUPLICATE = 3;
const ALLOW_DUPLICATE_FAILED_ONLY = 2;

export class WorkflowExecutions {
  /** Every run, newest last, by namespace and workflow ID. */
  private readonly runs = new Map<string, Execution[]>();

  private key(namespace: string, workflowId: string) {
    return `${namespace}\u0000${workflowId}`;
  }

  start(request: StartRequest): StartResult {
    const runs =
      this.runs.get(this.key(request.namespace, request.workflowId)) ?? [];
    const latest = runs[runs.length - 1];
    if (latest && latest.requestId === request.requestId)
      return { kind: 'duplicate-request', execution: latest };
    if (latest?.status === 'WORKFLOW_EXECUTION_STATUS_RUNNING')
      return { kind: 'already-started', execution: latest };
    if (latest && request.reusePolicy === REJECT_DUPLICATE)
      return { kind: 'already-started', execution: latest };
    if (
      latest &&
      request.reusePolicy === ALLOW_DUPLICATE_FAILED_ONLY &&
      latest.status === 'WORKFLOW_EXECUTION_STATUS_COMPLETED'
    ) {
      return { kind: 'already-started', execution: latest };
    }
    const now = Date.now();
    const execution: Execution = {
      namespace: request.namespace,
      workflowId: request.workflowId,
      runId: randomUUID(),
      workflowType: request.workflowType,
      taskQueue: request.taskQueue,
      requestId: request.requestId,
      status: 'WORKFLOW_EXECUTION_STATUS_RUNNING',
      startTime: now,
      memo: request.memo,
      searchAttributes: request.searchAttributes,
      history: [],
      waiters: new Set(),
      needsWorkflowTask: false,
      queuedQueries: [],
      previousStartedEventId: 0,
    };
    this.append(
      execution,
      'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      'workflowExecutionStartedEventAttributes',
      {
        ...request.attributes,
        originalExecutionRunId: execution.runId,
        firstExecutionRunId: execution.runId,
        attempt: 1,
      },
    );
    runs.push(execution);
    this.runs.set(this.key(request.namespace, request.workflowId), runs);
    return { kind: 'started', execution };
  }

  /** The given run, or the latest run of the workflow ID when no run ID is given. */
  find(
    namespace: string,
    workflowId: string,
    runId?: string,
  ): Execution | undefined {
    const runs = this.runs.get(this.key(namespace, workflowId)) ?? [];
    return runId ? runs.find(r => r.runId === runId) : runs[runs.length - 1];
  }

  list(namespace: string): Execution[] {
    const all: Execution[] = [];
    for (const runs of this.runs.values())
      all.push(...runs.filter(r => r.namespace === namespace));
    return all.sort((a, b) => b.startTime - a.startTime);
  }

  terminate(
    execution: Execution,
    attributes: { reason?: string; details?: unknown; identity?: string },
  ): void {
    this.close(
      execution,
      'WORKFLOW_EXECUTION_STATUS_TERMINATED',
      'EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED',
      'workflowExecutionTerminatedEventAttributes',
      attributes,
    );
  }

  /** Resolves when the execution closes, or after `timeoutMs`; true when it closed. */
  waitForClose(
    execution: Execution,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    if (execution.status !== 'WORKFLOW_EXECUTION_STATUS_RUNNING')
      return Promise.resolve(true);
    return new Promise(resolve => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const done = () => {
        clearTimeout(timer);
        execution.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve(execution.status !== 'WORKFLOW_EXECUTION_STATUS_RUNNING');
      };
      timer = setTimeout(done, timeoutMs);
      execution.waiters.add(done);
      signal?.addEventListener('abort', done);
    });
  }

  /** Appends the closing event and wakes whoever waits for the close. */
  close(
    execution: Execution,
    status: ExecutionStatus,
    eventType: string,
    attributesField: string,
    attributes: object,
  ) {
    this.append(execution, eventType, attributesField, attributes);
    execution.status = status;
    execution.closeTime = Date.now();
    execution.workflowTask = undefined;
    for (const waiter of [...execution.waiters]) waiter();
  }

  append(
    execution: Execution,
    eventType: string,
    attributesField: string,
    attributes: object,
  ): HistoryEvent {
    const event: HistoryEvent = {
      eventId: execution.history.length + 1,
      eventTime: timestamp(Date.now()),
      eventType,
      [attributesField]: attributes,
    };
    execution.history.push(event);
    return event;
  }
}
