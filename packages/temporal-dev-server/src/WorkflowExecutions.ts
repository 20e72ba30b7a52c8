/*
 * Workflow runs and their event histories: starting with the workflow ID reuse and conflict
 * rules, continuing as new, closing, appending events (buffered while a workflow task runs, as the
 * Temporal server does), and waiting until a run changes.
 */
import type { temporal } from '@temporalio/proto';
import { randomUUID } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { systemClock, type Clock } from './clock';
import type { Plain } from './grpc/plain';
import { durationMs } from './history/time';
import {
  isRunning,
  RUNNING,
  type BufferedEvents,
  type Execution,
  type ExecutionStatus,
  type HistoryEvent,
  type NewEvent,
  type ParentRef,
  toHistoryEvent,
} from './state';
import {
  ALLOW_DUPLICATE_FAILED_ONLY,
  CONFLICT_TERMINATE_EXISTING,
  CONFLICT_USE_EXISTING,
  REJECT_DUPLICATE,
  TERMINATE_IF_RUNNING,
} from './workflowIdPolicies';

export type { Execution, ExecutionStatus, HistoryEvent } from './state';

export interface StartRequest {
  namespace: string;
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  requestId: string;
  reusePolicy: temporal.api.enums.v1.WorkflowIdReusePolicy;
  conflictPolicy: temporal.api.enums.v1.WorkflowIdConflictPolicy;
  /** The start request's fields, for the started event's attributes. */
  attributes: Plain<temporal.api.history.v1.IWorkflowExecutionStartedEventAttributes>;
  memo?: Execution['memo'];
  searchAttributes?: Execution['searchAttributes'];
  parent?: ParentRef;
}

export type StartResult =
  | { kind: 'started'; execution: Execution }
  | { kind: 'duplicate-request'; execution: Execution }
  | {
      kind: 'already-started';
      execution: Execution;
      /** Why: the run is running, or the reuse policy refuses a new run after the closed one. */
      reason: 'running' | 'reject-duplicate' | 'failed-only';
    }
  /** WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING: the running one is the answer. */
  | { kind: 'use-existing'; execution: Execution }
  /** WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING: the caller terminates it, then starts. */
  | { kind: 'terminate-existing'; execution: Execution };

type Listener = () => void;

export class WorkflowExecutions {
  constructor(private readonly clock: Clock = systemClock) {}

  /** Every run, oldest first, by namespace and workflow ID. */
  private readonly runs = new Map<string, Execution[]>();
  private readonly listeners = new Map<string, Set<Listener>>();
  /** Closed runs' close events, kept apart from their frozen histories. */
  private readonly closeEvents = new WeakMap<Execution, HistoryEvent>();
  /** Called after every change to a run, so a store can save it. */
  onChange: (e: Execution) => void = () => {};

  private key(namespace: string, workflowId: string) {
    return `${namespace}\u0000${workflowId}`;
  }

  /** Decides what a start request does, given the latest run of its workflow ID. */
  admit(request: StartRequest): StartResult | undefined {
    const runs = this.runs.get(this.key(request.namespace, request.workflowId));
    const latest = runs?.[runs.length - 1];
    if (!latest) return undefined;
    if (latest.requestId === request.requestId)
      return { kind: 'duplicate-request', execution: latest };
    if (isRunning(latest)) {
      if (request.conflictPolicy === CONFLICT_USE_EXISTING)
        return { kind: 'use-existing', execution: latest };
      if (
        request.conflictPolicy === CONFLICT_TERMINATE_EXISTING ||
        request.reusePolicy === TERMINATE_IF_RUNNING
      )
        return { kind: 'terminate-existing', execution: latest };
      return { kind: 'already-started', execution: latest, reason: 'running' };
    }
    if (request.reusePolicy === REJECT_DUPLICATE)
      return {
        kind: 'already-started',
        execution: latest,
        reason: 'reject-duplicate',
      };
    if (
      request.reusePolicy === ALLOW_DUPLICATE_FAILED_ONLY &&
      latest.status === 'WORKFLOW_EXECUTION_STATUS_COMPLETED'
    )
      return {
        kind: 'already-started',
        execution: latest,
        reason: 'failed-only',
      };
    return undefined;
  }

  /** Creates a run and its started event; the caller has admitted it. */
  create(
    request: StartRequest,
    continued?: { previous: Execution; initiator: unknown },
  ): Execution {
    const now = this.clock.now();
    const runId = randomUUID();
    const attributes = request.attributes;
    const runTimeout =
      durationMs(attributes.workflowRunTimeout) ||
      durationMs(attributes.workflowExecutionTimeout);
    const execution: Execution = {
      namespace: request.namespace,
      workflowId: request.workflowId,
      runId,
      firstExecutionRunId: continued?.previous.firstExecutionRunId ?? runId,
      workflowType: request.workflowType,
      taskQueue: request.taskQueue,
      requestId: request.requestId,
      status: RUNNING,
      startTime: now,
      runDeadline: runTimeout ? now + runTimeout : undefined,
      workflowTaskTimeoutMs:
        durationMs(attributes.workflowTaskTimeout) || 10_000,
      memo: request.memo,
      searchAttributes: request.searchAttributes,
      history: [],
      buffered: [],
      needsWorkflowTask: false,
      previousStartedEventId: 0,
      failedWorkflowTasks: 0,
      activities: {},
      timers: {},
      updates: {},
      children: {},
      parent: request.parent ?? continued?.previous.parent,
      cancelRequested: false,
    };
    this.append(execution, {
      eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      field: 'workflowExecutionStartedEventAttributes',
      attributes: {
        ...attributes,
        workflowTaskTimeout: {
          seconds: execution.workflowTaskTimeoutMs / 1000,
        },
        originalExecutionRunId: runId,
        firstExecutionRunId: execution.firstExecutionRunId,
        continuedExecutionRunId: continued?.previous.runId,
        initiator: continued?.initiator,
        parentWorkflowNamespace: execution.parent?.namespace,
        parentWorkflowExecution: execution.parent && {
          workflowId: execution.parent.workflowId,
          runId: execution.parent.runId,
        },
        parentInitiatedEventId: execution.parent?.initiatedEventId,
        attempt: 1,
      },
    });
    const key = this.key(request.namespace, request.workflowId);
    const runs = this.runs.get(key) ?? [];
    runs.push(execution);
    this.runs.set(key, runs);
    return execution;
  }

  /** Puts a saved run back (loading from a store). */
  restore(execution: Execution): void {
    const key = this.key(execution.namespace, execution.workflowId);
    const runs = this.runs.get(key) ?? [];
    runs.push(execution);
    runs.sort((a, b) => a.startTime - b.startTime);
    this.runs.set(key, runs);
    // Closed runs are kept compressed after a restart too, as when they closed.
    if (!isRunning(execution)) this.freeze(execution);
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

  /** Every run of a namespace, newest first. */
  list(namespace: string): Execution[] {
    const all: Execution[] = [];
    for (const runs of this.runs.values())
      for (const run of runs) if (run.namespace === namespace) all.push(run);
    return all.sort((a, b) => b.startTime - a.startTime);
  }

  all(): Execution[] {
    return [...this.runs.values()].flat();
  }

  /** Appends events now: history events are immutable once written. */
  append(execution: Execution, ...events: NewEvent[]): HistoryEvent[] {
    const written = events.map(event => {
      const historyEvent = toHistoryEvent(
        event,
        execution.history.length + 1,
        this.clock.now(),
      );
      execution.history.push(historyEvent);
      return historyEvent;
    });
    this.changed(execution);
    return written;
  }

  /**
   * Records events that happened outside a workflow task (an activity finished, a timer fired, a
   * signal came): written at once, or after the running workflow task completes.
   */
  record(execution: Execution, batch: BufferedEvents): void {
    if (execution.workflowTask?.startedEventId) {
      execution.buffered.push(batch);
      this.changed(execution);
      return;
    }
    this.write(execution, batch);
  }

  private write(execution: Execution, batch: BufferedEvents) {
    const [first, ...rest] = this.append(execution, ...batch.events);
    if (batch.linkStarted && rest[0]) {
      const field = batch.events[1].field;
      rest[0][field]!.startedEventId = first.eventId;
    }
  }

  /** Writes what was buffered while a workflow task ran; true if anything was. */
  flush(execution: Execution): boolean {
    const batches = execution.buffered.splice(0);
    for (const batch of batches) this.write(execution, batch);
    return batches.length > 0;
  }

  /** Appends the closing event and wakes whoever waits for the close. */
  close(
    execution: Execution,
    status: ExecutionStatus,
    event: NewEvent,
  ): HistoryEvent {
    const [closed] = this.append(execution, event);
    execution.status = status;
    execution.closeTime = this.clock.now();
    execution.workflowTask = undefined;
    execution.buffered = [];
    this.changed(execution);
    this.freeze(execution);
    return closed;
  }

  /**
   * A closed run's history never changes again: it is kept serialized and compressed (about a
   * twentieth of its size as objects) and read back when asked for, so thousands of closed runs
   * stay cheap to keep.
   */
  private freeze(execution: Execution) {
    const history = execution.history;
    // Clients waiting for a result ask for the close event alone: it stays at hand.
    this.closeEvents.set(execution, history[history.length - 1]);
    // A copy: zlib's answer is a view of its whole 16 KB output chunk.
    const frozen = Buffer.from(
      deflateRawSync(serialize(history), { level: 1 }),
    );
    execution.historyLength = history.length;
    Object.defineProperty(execution, 'history', {
      get: () => deserialize(inflateRawSync(frozen)),
      // Not copied by spreads: only those who ask for the history pay for reading it back.
      enumerable: false,
      configurable: true,
    });
  }

  /** A run's last event (for a closed run, its close event) without reading back its history. */
  lastEvent(execution: Execution): HistoryEvent {
    const close = this.closeEvents.get(execution);
    if (close) return close;
    const history = execution.history;
    return history[history.length - 1];
  }

  /** Tells whoever waits on this run, and the store, that it changed. */
  changed(execution: Execution): void {
    this.onChange(execution);
    const waiting = this.listeners.get(execution.runId);
    if (waiting) for (const listener of [...waiting]) listener();
  }

  /**
   * Resolves with true once `condition` holds for the run (checked now and after every change),
   * or with false after `timeoutMs` or when `signal` aborts.
   */
  waitFor(
    execution: Execution,
    condition: () => boolean,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    if (condition()) return Promise.resolve(true);
    return new Promise(resolve => {
      const set = this.listeners.get(execution.runId) ?? new Set();
      this.listeners.set(execution.runId, set);
      const waiter = {
        timer: undefined as NodeJS.Timeout | undefined,
        finish: (result: boolean) => {
          clearTimeout(waiter.timer);
          set.delete(waiter.check);
          if (set.size === 0) this.listeners.delete(execution.runId);
          signal?.removeEventListener('abort', waiter.abort);
          resolve(result);
        },
        check: () => {
          if (condition()) waiter.finish(true);
        },
        abort: () => waiter.finish(false),
      };
      waiter.timer = setTimeout(() => waiter.finish(condition()), timeoutMs);
      set.add(waiter.check);
      signal?.addEventListener('abort', waiter.abort);
    });
  }

  /** Resolves when the run closes, or after `timeoutMs`; true when it closed. */
  waitForClose(
    execution: Execution,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    return this.waitFor(
      execution,
      () => !isRunning(execution),
      timeoutMs,
      signal,
    );
  }
}
