/*
 * Workflows that start, signal and cancel other workflows: child workflows (started, their close
 * reported to the parent, parent close policies applied), and signals and cancellation requests
 * to external workflows.
 */
import { temporal } from '@temporalio/proto';
import type { Plain } from './grpc/plain';
import type { StartResult } from './WorkflowExecutions';
import type { WorkflowExecutions } from './WorkflowExecutions';
import {
  isRunning,
  type ChildState,
  type EventAttributesField,
  type EventType,
  type Execution,
  type ExecutionStatus,
  type HistoryEvent,
  type NewEvent,
} from './state';

/** What a run is started from: a client's start request, or a child workflow's command. */
export type StartRunRequest = Pick<
  Plain<temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest>,
  | 'workflowId'
  | 'workflowType'
  | 'taskQueue'
  | 'requestId'
  | 'workflowIdReusePolicy'
  | 'workflowIdConflictPolicy'
  | 'memo'
  | 'searchAttributes'
  | 'input'
  | 'workflowExecutionTimeout'
  | 'workflowRunTimeout'
  | 'workflowTaskTimeout'
  | 'identity'
  | 'header'
  | 'retryPolicy'
>;

/** A signal as its event records it (from a client, or from another workflow). */
export type Signal =
  Plain<temporal.api.history.v1.IWorkflowExecutionSignaledEventAttributes>;

/** A cancellation request as its event records it. */
export type CancelRequest =
  Plain<temporal.api.history.v1.IWorkflowExecutionCancelRequestedEventAttributes>;

/** What this module needs from the engine. */
export interface RunControl {
  startRun(
    namespace: string,
    request: StartRunRequest,
    parent?: Execution['parent'],
  ): StartResult;
  terminate(e: Execution, reason: string, identity: string): void;
  requestCancel(e: Execution, attributes: CancelRequest): void;
  signal(e: Execution, signal: Signal): void;
  /** Records events on a run and gives it a workflow task to see them. */
  notify(e: Execution, ...events: NewEvent[]): void;
}

const { ParentClosePolicy } = temporal.api.enums.v1;

/** How a child's close is reported to its parent, by the child's status. */
const CLOSE_EVENTS: Partial<
  Record<
    ExecutionStatus,
    [EventType, EventAttributesField, (closing: HistoryEvent) => object]
  >
> = {
  WORKFLOW_EXECUTION_STATUS_COMPLETED: [
    'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED',
    'childWorkflowExecutionCompletedEventAttributes',
    c => ({ result: c.workflowExecutionCompletedEventAttributes?.result }),
  ],
  WORKFLOW_EXECUTION_STATUS_FAILED: [
    'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED',
    'childWorkflowExecutionFailedEventAttributes',
    c => ({
      failure: c.workflowExecutionFailedEventAttributes?.failure,
      retryState: c.workflowExecutionFailedEventAttributes?.retryState,
    }),
  ],
  WORKFLOW_EXECUTION_STATUS_CANCELED: [
    'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED',
    'childWorkflowExecutionCanceledEventAttributes',
    c => ({ details: c.workflowExecutionCanceledEventAttributes?.details }),
  ],
  WORKFLOW_EXECUTION_STATUS_TERMINATED: [
    'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED',
    'childWorkflowExecutionTerminatedEventAttributes',
    () => ({}),
  ],
  WORKFLOW_EXECUTION_STATUS_TIMED_OUT: [
    'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT',
    'childWorkflowExecutionTimedOutEventAttributes',
    () => ({ retryState: 'RETRY_STATE_TIMEOUT' }),
  ],
};

export class ChildWorkflows {
  constructor(
    private readonly executions: WorkflowExecutions,
    private readonly runs: RunControl,
  ) {}

  start(
    parent: Execution,
    attributes: Plain<temporal.api.command.v1.IStartChildWorkflowExecutionCommandAttributes>,
    completedEventId: number,
  ): void {
    const namespace = attributes.namespace || parent.namespace;
    const [initiated] = this.executions.append(parent, {
      eventType: 'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED',
      field: 'startChildWorkflowExecutionInitiatedEventAttributes',
      attributes: {
        ...attributes,
        namespace,
        workflowTaskCompletedEventId: completedEventId,
      },
    });
    const result = this.runs.startRun(
      namespace,
      {
        ...attributes,
        requestId: `${parent.runId}/${initiated.eventId}`,
        taskQueue: attributes.taskQueue?.name
          ? attributes.taskQueue
          : { name: parent.taskQueue },
      },
      {
        namespace: parent.namespace,
        workflowId: parent.workflowId,
        runId: parent.runId,
        initiatedEventId: initiated.eventId,
      },
    );
    if (result.kind !== 'started') {
      this.runs.notify(parent, {
        eventType: 'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED',
        field: 'startChildWorkflowExecutionFailedEventAttributes',
        attributes: {
          namespace,
          workflowId: attributes.workflowId,
          workflowType: attributes.workflowType,
          cause:
            'START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS',
          control: attributes.control,
          initiatedEventId: initiated.eventId,
          workflowTaskCompletedEventId: completedEventId,
        },
      });
      return;
    }
    const child = result.execution;
    const state: ChildState = {
      initiatedEventId: initiated.eventId,
      namespace,
      workflowId: child.workflowId,
      runId: child.runId,
      workflowType: child.workflowType,
      parentClosePolicy:
        attributes.parentClosePolicy ??
        ParentClosePolicy.PARENT_CLOSE_POLICY_UNSPECIFIED,
    };
    parent.children[initiated.eventId] = state;
    this.runs.notify(parent, {
      eventType: 'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED',
      field: 'childWorkflowExecutionStartedEventAttributes',
      attributes: {
        namespace,
        initiatedEventId: initiated.eventId,
        workflowExecution: { workflowId: child.workflowId, runId: child.runId },
        workflowType: { name: child.workflowType },
        header: attributes.header,
      },
    });
  }

  /** A run closed: tell its parent (unless it continued as new), and apply its close policies. */
  onClose(e: Execution, closing: HistoryEvent): void {
    if (e.parent && e.status !== 'WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW')
      this.reportToParent(e, closing);
    for (const child of Object.values(e.children)) {
      const run = this.executions.find(child.namespace, child.workflowId);
      const policy = child.parentClosePolicy;
      if (
        !run ||
        !isRunning(run) ||
        policy === ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON
      )
        continue;
      if (policy === ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL)
        this.runs.requestCancel(run, { cause: 'parent workflow closed' });
      else this.runs.terminate(run, 'by parent close policy', 'dev server');
    }
  }

  private reportToParent(child: Execution, closing: HistoryEvent) {
    const ref = child.parent!;
    const parent = this.executions.find(
      ref.namespace,
      ref.workflowId,
      ref.runId,
    );
    const state = parent?.children[ref.initiatedEventId];
    if (!parent || !isRunning(parent) || !state) return;
    const report = CLOSE_EVENTS[child.status];
    if (!report) return;
    delete parent.children[ref.initiatedEventId];
    this.runs.notify(parent, {
      eventType: report[0],
      field: report[1],
      attributes: {
        ...report[2](closing),
        namespace: child.namespace,
        workflowExecution: { workflowId: child.workflowId, runId: child.runId },
        workflowType: { name: child.workflowType },
        initiatedEventId: ref.initiatedEventId,
        startedEventId: this.startedEventId(parent, ref.initiatedEventId),
      },
    });
  }

  private startedEventId(parent: Execution, initiatedEventId: number) {
    return parent.history.find(
      ev =>
        ev.eventType === 'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED' &&
        Number(
          ev.childWorkflowExecutionStartedEventAttributes?.initiatedEventId,
        ) === initiatedEventId,
    )?.eventId;
  }

  /** A run that continued as new: its parent now follows the new run. */
  onContinuedAsNew(previous: Execution, next: Execution): void {
    const ref = previous.parent;
    if (!ref) return;
    const parent = this.executions.find(
      ref.namespace,
      ref.workflowId,
      ref.runId,
    );
    const state = parent?.children[ref.initiatedEventId];
    if (state) state.runId = next.runId;
  }

  signalExternal(
    e: Execution,
    attributes: Plain<temporal.api.command.v1.ISignalExternalWorkflowExecutionCommandAttributes>,
    completedEventId: number,
  ): void {
    const namespace = attributes.namespace || e.namespace;
    const target = attributes.execution ?? {};
    const [initiated] = this.executions.append(e, {
      eventType: 'EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED',
      field: 'signalExternalWorkflowExecutionInitiatedEventAttributes',
      attributes: {
        ...attributes,
        namespace,
        workflowExecution: target,
        workflowTaskCompletedEventId: completedEventId,
      },
    });
    const run = this.executions.find(
      namespace,
      target.workflowId ?? '',
      target.runId || undefined,
    );
    if (!run || !isRunning(run)) {
      this.runs.notify(e, {
        eventType: 'EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED',
        field: 'signalExternalWorkflowExecutionFailedEventAttributes',
        attributes: {
          cause:
            'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND',
          namespace,
          workflowExecution: target,
          initiatedEventId: initiated.eventId,
          control: attributes.control,
          workflowTaskCompletedEventId: completedEventId,
        },
      });
      return;
    }
    this.runs.signal(run, {
      signalName: attributes.signalName,
      input: attributes.input,
      header: attributes.header,
      identity: `${e.workflowId}/${e.runId}`,
      externalWorkflowExecution: { workflowId: e.workflowId, runId: e.runId },
    });
    this.runs.notify(e, {
      eventType: 'EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED',
      field: 'externalWorkflowExecutionSignaledEventAttributes',
      attributes: {
        initiatedEventId: initiated.eventId,
        namespace,
        workflowExecution: { workflowId: run.workflowId, runId: run.runId },
        control: attributes.control,
      },
    });
  }

  cancelExternal(
    e: Execution,
    attributes: Plain<temporal.api.command.v1.IRequestCancelExternalWorkflowExecutionCommandAttributes>,
    completedEventId: number,
  ): void {
    const namespace = attributes.namespace || e.namespace;
    const target = {
      workflowId: attributes.workflowId,
      runId: attributes.runId,
    };
    const [initiated] = this.executions.append(e, {
      eventType:
        'EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED',
      field: 'requestCancelExternalWorkflowExecutionInitiatedEventAttributes',
      attributes: {
        namespace,
        workflowExecution: target,
        control: attributes.control,
        childWorkflowOnly: attributes.childWorkflowOnly,
        reason: attributes.reason,
        workflowTaskCompletedEventId: completedEventId,
      },
    });
    const run = this.executions.find(
      namespace,
      target.workflowId ?? '',
      target.runId || undefined,
    );
    if (!run || !isRunning(run)) {
      this.runs.notify(e, {
        eventType:
          'EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED',
        field: 'requestCancelExternalWorkflowExecutionFailedEventAttributes',
        attributes: {
          cause:
            'CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND',
          namespace,
          workflowExecution: target,
          initiatedEventId: initiated.eventId,
          control: attributes.control,
          workflowTaskCompletedEventId: completedEventId,
        },
      });
      return;
    }
    this.runs.requestCancel(run, {
      cause: attributes.reason,
      externalInitiatedEventId: initiated.eventId,
      externalWorkflowExecution: { workflowId: e.workflowId, runId: e.runId },
    });
    this.runs.notify(e, {
      eventType: 'EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED',
      field: 'externalWorkflowExecutionCancelRequestedEventAttributes',
      attributes: {
        initiatedEventId: initiated.eventId,
        namespace,
        workflowExecution: { workflowId: run.workflowId, runId: run.runId },
      },
    });
  }
}
