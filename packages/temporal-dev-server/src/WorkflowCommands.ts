/*
 * Applies a completed workflow task's commands and protocol messages, in the order they take
 * effect (completionSteps), after refuseCompletion let all of them through: each command becomes
 * its events and what it starts (activities, timers, child workflows, signals and cancellation
 * requests to other workflows), or closes the run.
 */
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@temporalio/proto';
import type { ActivityTask, ActivityTasks } from './ActivityTasks';
import type { ChildWorkflows } from './ChildWorkflows';
import type { Command, CompletionStep } from './completionSteps';
import type { ContinueAsNewAttributes } from './continueAsNew';
import { RpcError } from './grpc/serviceDefinition';
import {
  isRunning,
  type ActivityAttributes,
  type Execution,
  type ExecutionStatus,
  type NewEvent,
} from './state';
import type { Timers } from './Timers';
import type { WorkflowExecutions } from './WorkflowExecutions';
import type { WorkflowUpdates } from './WorkflowUpdates';

const { CommandType } = temporal.api.enums.v1;

/** What closing a run takes, which the engine does. */
export interface RunClosing {
  close(e: Execution, status: ExecutionStatus, event: NewEvent): void;
  continueAsNew(
    e: Execution,
    attributes: ContinueAsNewAttributes,
    completedEventId: number,
  ): void;
}

export class WorkflowCommands {
  constructor(
    private readonly parts: {
      executions: WorkflowExecutions;
      activities: ActivityTasks;
      timers: Timers;
      children: ChildWorkflows;
      updates: WorkflowUpdates;
      runs: RunClosing;
    },
    private readonly options: { eagerActivities?: boolean } = {},
  ) {}

  /**
   * Applies a completion's steps, until one closes the run. Returns the activities to start
   * eagerly, for the worker that completed the task.
   */
  applyAll(
    e: Execution,
    steps: CompletionStep[],
    completedEventId: number,
  ): ActivityTask[] {
    const eager: ActivityTask[] = [];
    for (const step of steps) {
      if (!isRunning(e)) break;
      if (step.message) this.parts.updates.handleMessage(e, step.message);
      else if (step.command)
        this.apply(e, step.command, completedEventId, eager);
    }
    return eager;
  }

  /**
   * Whether to start an activity for the worker that scheduled it, in the answer to its workflow
   * task: it asked, and it polls the activity's queue (the workflow's own), as Temporal requires.
   */
  private runsEagerly(e: Execution, attributes: ActivityAttributes): boolean {
    return Boolean(
      this.options.eagerActivities &&
        attributes.requestEagerExecution &&
        (!attributes.taskQueue?.name ||
          attributes.taskQueue.name === e.taskQueue),
    );
  }

  /**
   * Applies one command; activities to start for the worker eagerly go to `startEagerly`. The
   * attributes asserted present (`!`) are those refuseCompletion requires for activities, timers
   * and child workflows; continue-as-new and external signals and cancellations are not checked
   * for theirs yet (Temporal refuses such a command as BAD_..._ATTRIBUTES; here it fails inside).
   */
  private apply(
    e: Execution,
    command: Command,
    completedEventId: number,
    startEagerly: ActivityTask[],
  ): void {
    const { executions, activities, timers, children, runs } = this.parts;
    const workflowTaskCompletedEventId = completedEventId;
    switch (command.commandType) {
      case CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK: {
        const attributes = command.scheduleActivityTaskCommandAttributes!;
        const task = activities.schedule(
          e,
          attributes,
          completedEventId,
          this.runsEagerly(e, attributes),
        );
        if (task) startEagerly.push(task);
        return;
      }
      case CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK:
        activities.requestCancel(
          e,
          command.requestCancelActivityTaskCommandAttributes!,
          completedEventId,
        );
        return;
      case CommandType.COMMAND_TYPE_START_TIMER:
        timers.start(e, command.startTimerCommandAttributes!, completedEventId);
        return;
      case CommandType.COMMAND_TYPE_CANCEL_TIMER:
        timers.cancel(
          e,
          command.cancelTimerCommandAttributes!,
          completedEventId,
        );
        return;
      case CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION:
        runs.close(e, 'WORKFLOW_EXECUTION_STATUS_COMPLETED', {
          eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED',
          field: 'workflowExecutionCompletedEventAttributes',
          attributes: {
            result: command.completeWorkflowExecutionCommandAttributes?.result,
            workflowTaskCompletedEventId,
          },
        });
        return;
      case CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:
        runs.close(e, 'WORKFLOW_EXECUTION_STATUS_FAILED', {
          eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED',
          field: 'workflowExecutionFailedEventAttributes',
          attributes: {
            failure: command.failWorkflowExecutionCommandAttributes?.failure,
            retryState: 'RETRY_STATE_RETRY_POLICY_NOT_SET',
            workflowTaskCompletedEventId,
          },
        });
        return;
      case CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION:
        runs.close(e, 'WORKFLOW_EXECUTION_STATUS_CANCELED', {
          eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED',
          field: 'workflowExecutionCanceledEventAttributes',
          attributes: {
            details: command.cancelWorkflowExecutionCommandAttributes?.details,
            workflowTaskCompletedEventId,
          },
        });
        return;
      case CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION:
        runs.continueAsNew(
          e,
          command.continueAsNewWorkflowExecutionCommandAttributes!,
          completedEventId,
        );
        return;
      case CommandType.COMMAND_TYPE_RECORD_MARKER: {
        const a = command.recordMarkerCommandAttributes ?? {};
        executions.append(e, {
          eventType: 'EVENT_TYPE_MARKER_RECORDED',
          field: 'markerRecordedEventAttributes',
          attributes: {
            markerName: a.markerName,
            details: a.details,
            header: a.header,
            failure: a.failure,
            workflowTaskCompletedEventId,
          },
        });
        return;
      }
      case CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION:
        children.start(
          e,
          command.startChildWorkflowExecutionCommandAttributes!,
          completedEventId,
        );
        return;
      case CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION:
        children.signalExternal(
          e,
          command.signalExternalWorkflowExecutionCommandAttributes!,
          completedEventId,
        );
        return;
      case CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION:
        children.cancelExternal(
          e,
          command.requestCancelExternalWorkflowExecutionCommandAttributes!,
          completedEventId,
        );
        return;
      case CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const upserted =
          command.upsertWorkflowSearchAttributesCommandAttributes
            ?.searchAttributes;
        e.searchAttributes = {
          indexedFields: {
            ...e.searchAttributes?.indexedFields,
            ...upserted?.indexedFields,
          },
        };
        executions.append(e, {
          eventType: 'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES',
          field: 'upsertWorkflowSearchAttributesEventAttributes',
          attributes: {
            searchAttributes: upserted,
            workflowTaskCompletedEventId,
          },
        });
        return;
      }
      case CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES: {
        const memo =
          command.modifyWorkflowPropertiesCommandAttributes?.upsertedMemo;
        e.memo = { fields: { ...e.memo?.fields, ...memo?.fields } };
        executions.append(e, {
          eventType: 'EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED',
          field: 'workflowPropertiesModifiedEventAttributes',
          attributes: { upsertedMemo: memo, workflowTaskCompletedEventId },
        });
        return;
      }
      default:
        throw new RpcError(
          grpc.status.UNIMPLEMENTED,
          `command type ${command.commandType} is not implemented by this Temporal dev server`,
        );
    }
  }
}
