/*
 * Workflow updates: admitted by UpdateWorkflowExecution, delivered to a worker as a protocol
 * message on the next workflow task, then accepted or rejected and completed by the messages the
 * worker answers with. Accepted and completed updates are history events; rejected ones leave no
 * trace in the history, as in Temporal.
 */
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@temporalio/proto';
import { randomUUID } from 'node:crypto';
import type { ProtocolMessage } from './completionSteps';
import { packAny, unpackAny } from './grpc/any';
import type { Plain } from './grpc/plain';
import { RpcError } from './grpc/serviceDefinition';
import { isRunning, type Execution, type UpdateState } from './state';
import type { WorkflowExecutions } from './WorkflowExecutions';

const Stage = temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage;
type LifecycleStage =
  temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage;

/** Each stage an update is kept at, as the API numbers it. */
export const STAGES: Record<UpdateStage, LifecycleStage> = {
  admitted: Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED,
  accepted: Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED,
  completed: Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED,
};

export type UpdateStage = UpdateState['stage'];

type Acceptance = Plain<temporal.api.update.v1.IAcceptance>;
type Rejection = Plain<temporal.api.update.v1.IRejection>;
type Response = Plain<temporal.api.update.v1.IResponse>;

/** The protocol messages a worker answers an update with, by their body's type. */
const BODY_KINDS: Record<string, 'Acceptance' | 'Rejection' | 'Response'> = {
  'temporal.api.update.v1.Acceptance': 'Acceptance',
  'temporal.api.update.v1.Rejection': 'Rejection',
  'temporal.api.update.v1.Response': 'Response',
};

/** Where each message takes an update from each stage; absent: not a step it may take. */
const TRANSITIONS: Record<
  UpdateStage,
  Partial<Record<'Acceptance' | 'Rejection' | 'Response', UpdateStage>>
> = {
  admitted: { Acceptance: 'accepted', Rejection: 'completed' },
  accepted: { Response: 'completed' },
  completed: {},
};

export class WorkflowUpdates {
  constructor(private readonly executions: WorkflowExecutions) {}

  /** Admits an update, or finds the one with the same ID (a retried call). */
  admit(
    e: Execution,
    requested: UpdateState['request'] | undefined,
    /** Refuses an update to the running workflow before it is looked up (it would fail). */
    checkRunning: () => void = () => {},
  ): { update: UpdateState; isNew: boolean } {
    // Temporal's checks and words; an update without an ID gets one, as Temporal gives it.
    const invalid = (message: string) =>
      new RpcError(grpc.status.INVALID_ARGUMENT, message);
    if (!requested?.meta) throw invalid('Update meta is not set on request.');
    if (!requested.input) throw invalid('Update input is not set on request.');
    if (!requested.input.name)
      throw invalid('Update name is not set on request.');
    const updateId = requested.meta.updateId || randomUUID();
    const request = requested.meta.updateId
      ? requested
      : { ...requested, meta: { ...requested.meta, updateId } };
    if (isRunning(e)) checkRunning();
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
  ): { messages: ProtocolMessage[]; ids: string[] } {
    const messages: ProtocolMessage[] = [];
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

  /**
   * Why Temporal would refuse a protocol message a worker answers with, if it would: an update this
   * run does not have, a body it cannot read, or a step the update is not at. `stages` follows
   * what the task's earlier messages did (an acceptance, then its response), and is updated.
   */
  refuseMessage(
    e: Execution,
    message: ProtocolMessage,
    stages: Map<string, UpdateStage>,
  ): string | undefined {
    const update = e.updates[message.protocolInstanceId ?? ''];
    if (!update)
      return `update ${message.protocolInstanceId} wasn't found on the server. This is most likely a transient error which will be resolved automatically by retries`;
    const unpacked = unpackAny(message.body);
    if (!unpacked)
      return `protocol message ${message.id} has a body of unknown type ${message.body?.type_url}`;
    const kind = BODY_KINDS[unpacked.typeName];
    if (!kind) return `Message type ${unpacked.typeName} not supported`;
    const stage = stages.get(update.id) ?? update.stage;
    const next = TRANSITIONS[stage][kind];
    if (!next)
      return `invalid state transition attempted for Update ${update.id}: received *update.${kind} message while in state ${stage}`;
    stages.set(update.id, next);
    return undefined;
  }

  /** Applies a worker's acceptance, rejection or response (refuseMessage let it through). */
  handleMessage(e: Execution, message: ProtocolMessage): void {
    const update = e.updates[message.protocolInstanceId!];
    const { typeName, message: body } = unpackAny(message.body)!;
    if (typeName === 'temporal.api.update.v1.Acceptance') {
      const acceptance = body as Acceptance;
      const [accepted] = this.executions.append(e, {
        eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
        field: 'workflowExecutionUpdateAcceptedEventAttributes',
        attributes: {
          protocolInstanceId: update.id,
          acceptedRequestMessageId: acceptance.acceptedRequestMessageId,
          acceptedRequestSequencingEventId:
            acceptance.acceptedRequestSequencingEventId,
          acceptedRequest: update.request,
        },
      });
      update.stage = 'accepted';
      update.acceptedEventId = accepted.eventId;
    } else if (typeName === 'temporal.api.update.v1.Rejection') {
      update.stage = 'completed';
      update.outcome = { failure: (body as Rejection).failure };
    } else {
      const response = body as Response;
      this.executions.append(e, {
        eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED',
        field: 'workflowExecutionUpdateCompletedEventAttributes',
        attributes: {
          meta: response.meta,
          acceptedEventId: update.acceptedEventId,
          outcome: response.outcome,
        },
      });
      update.stage = 'completed';
      update.outcome = response.outcome;
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
    stage: LifecycleStage,
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
