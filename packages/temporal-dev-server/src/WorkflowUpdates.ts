/*
 * Workflow updates: admitted by UpdateWorkflowExecution, delivered to a worker as a protocol
 * message on the next workflow task, then accepted or rejected and completed by the messages the
 * worker answers with. Accepted and completed updates are history events; rejected ones leave no
 * trace in the history, as in Temporal.
 */
import * as grpc from '@grpc/grpc-js';
import { packAny, unpackAny } from './grpc/any';
import { RpcError } from './grpc/serviceDefinition';
import { isRunning, type Execution, type UpdateState } from './state';
import type { WorkflowExecutions } from './WorkflowExecutions';

// temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage
export const STAGES = {
  admitted: 1,
  accepted: 2,
  completed: 3,
} as const;

export class WorkflowUpdates {
  constructor(private readonly executions: WorkflowExecutions) {}

  /** Admits an update, or finds the one with the same ID (a retried call). */
  admit(e: Execution, request: any): { update: UpdateState; isNew: boolean } {
    const updateId: string | undefined = request?.meta?.updateId;
    if (!updateId) {
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        'UpdateId is not set on request.',
      );
    }
    if (!request.input?.name) {
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        'Update name is not set on request.',
      );
    }
    const existing = e.updates[updateId];
    if (existing) return { update: existing, isNew: false };
    if (!isRunning(e)) {
      throw new RpcError(
        grpc.status.NOT_FOUND,
        'workflow execution already completed',
      );
    }
    const update: UpdateState = {
      id: updateId,
      request,
      stage: 'admitted',
      delivered: false,
    };
    e.updates[updateId] = update;
    this.executions.changed(e);
    return { update, isNew: true };
  }

  hasUndelivered(e: Execution): boolean {
    return Object.values(e.updates).some(
      u => u.stage === 'admitted' && !u.delivered,
    );
  }

  /** Protocol messages for the updates a starting workflow task carries. */
  deliver(
    e: Execution,
    startedEventId: number,
  ): { messages: any[]; ids: string[] } {
    const messages: any[] = [];
    const ids: string[] = [];
    for (const update of Object.values(e.updates)) {
      if (update.stage !== 'admitted' || update.delivered) continue;
      update.delivered = true;
      ids.push(update.id);
      messages.push({
        id: `${update.id}/request`,
        protocolInstanceId: update.id,
        // Sequenced after every event before the task started.
        eventId: startedEventId - 1,
        body: packAny('temporal.api.update.v1.Request', update.request),
      });
    }
    return { messages, ids };
  }

  /** The task that carried these updates failed: they go out again with the next one. */
  redeliver(e: Execution, ids: string[]): void {
    for (const id of ids) {
      const update = e.updates[id];
      if (update?.stage === 'admitted') update.delivered = false;
    }
  }

  /** Applies a worker's acceptance, rejection or response. */
  handleMessage(e: Execution, message: any): void {
    const update = e.updates[message.protocolInstanceId];
    if (!update) {
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        `protocol message ${message.id} names update ${message.protocolInstanceId}, which this workflow does not have`,
      );
    }
    const unpacked = unpackAny(message.body);
    if (!unpacked) {
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        `protocol message ${message.id} has a body of unknown type ${message.body?.type_url}`,
      );
    }
    const { typeName, message: body } = unpacked;
    if (typeName === 'temporal.api.update.v1.Acceptance') {
      const [accepted] = this.executions.append(e, {
        eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
        field: 'workflowExecutionUpdateAcceptedEventAttributes',
        attributes: {
          protocolInstanceId: update.id,
          acceptedRequestMessageId: body.acceptedRequestMessageId,
          acceptedRequestSequencingEventId:
            body.acceptedRequestSequencingEventId,
          acceptedRequest: update.request,
        },
      });
      update.stage = 'accepted';
      update.acceptedEventId = accepted.eventId;
    } else if (typeName === 'temporal.api.update.v1.Rejection') {
      update.stage = 'completed';
      update.outcome = { failure: body.failure };
    } else if (typeName === 'temporal.api.update.v1.Response') {
      if (update.stage !== 'accepted') {
        throw new RpcError(
          grpc.status.INVALID_ARGUMENT,
          `update ${update.id} was completed before it was accepted`,
        );
      }
      this.executions.append(e, {
        eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED',
        field: 'workflowExecutionUpdateCompletedEventAttributes',
        attributes: {
          meta: body.meta,
          acceptedEventId: update.acceptedEventId,
          outcome: body.outcome,
        },
      });
      update.stage = 'completed';
      update.outcome = body.outcome;
    } else {
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        `protocol message ${message.id} has a body of unexpected type ${typeName}`,
      );
    }
    this.executions.changed(e);
  }

  /**
   * The run closed. Accepted updates fail as Temporal fails them; admitted ones move to the next
   * run after continue-as-new, or are dropped (their callers get NOT_FOUND).
   */
  onClose(e: Execution, next?: Execution): void {
    for (const update of Object.values(e.updates)) {
      if (update.stage === 'accepted') {
        update.stage = 'completed';
        update.outcome = {
          failure: {
            message:
              'Workflow Update failed because the Workflow completed before the Update completed.',
            source: 'Server',
            applicationFailureInfo: {
              type: 'AcceptedUpdateCompletedWorkflow',
              nonRetryable: true,
            },
          },
        };
      } else if (update.stage === 'admitted') {
        delete e.updates[update.id];
        if (next) next.updates[update.id] = { ...update, delivered: false };
      }
    }
    this.executions.changed(e);
  }

  /** Waits until the update reaches `stage` (or the run closes), up to `timeoutMs`. */
  async wait(
    e: Execution,
    updateId: string,
    stage: number,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<UpdateState | undefined> {
    await this.executions.waitFor(
      e,
      () => {
        const update = e.updates[updateId];
        return !update || STAGES[update.stage] >= stage;
      },
      timeoutMs,
      signal,
    );
    return e.updates[updateId];
  }
}
