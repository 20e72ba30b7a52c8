/*
 * What the Temporal server refuses in a workflow task's completion, checked before anything of it
 * is applied: a command after the one that closes the workflow, and commands and protocol
 * messages that are malformed or do not fit the run (a timer ID in use, an activity that is not
 * there, an update at another stage...), in Temporal's words.
 */
import { temporal } from '@temporalio/proto';
import {
  closesWorkflow,
  commandName,
  isImplementedCommand,
  shortName,
} from './commandTypes';
import type { Command, CompletionStep } from './completionSteps';
import type { Plain } from './grpc/plain';
import { durationMs } from './history/time';
import type { EnumName, EventType, Execution } from './state';
import { unimplementedStartOption } from './startRequests';
import type { Visibility } from './visibility/Visibility';
import type { UpdateStage, WorkflowUpdates } from './WorkflowUpdates';

const { CommandType } = temporal.api.enums.v1;

type CauseName = EnumName<typeof temporal.api.enums.v1.WorkflowTaskFailedCause>;
type WithoutPrefix<Name> =
  Name extends `WORKFLOW_TASK_FAILED_CAUSE_${infer Rest}` ? Rest : never;

/** Why a completion is refused: the workflow task fails with this cause and message. */
export interface Refusal {
  cause: CauseName;
  message: string;
}

/**
 * Temporal's ValidateCommandSequence: a command after the one that closes the workflow. Refused
 * before anything else, without failing the task (it times out and is retried).
 */
export function commandSequenceRefusal(
  commands: Command[],
): string | undefined {
  const closing = commands.findIndex(c => closesWorkflow(c.commandType));
  if (closing === -1 || closing === commands.length - 1) return undefined;
  return `invalid command sequence: [${commands
    .map(c => commandName(c.commandType))
    .join(', ')}], command ${commandName(
    commands[closing].commandType,
  )} must be the last command.`;
}

const refuse = (cause: WithoutPrefix<CauseName>, message: string): Refusal => ({
  cause: `WORKFLOW_TASK_FAILED_CAUSE_${cause}`,
  // Temporal prefixes the cause's short name ("BadCancelTimerAttributes: ...").
  message: `${shortName(cause)}: ${message}`,
});

const invalidAction = (action: string, details: string) =>
  `invalid history builder state for action: ${action}, ${details}`;

/** `make()`'s result, made on the first call and kept. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

const ACTIVITY_FINISHES = new Set<string>([
  'EVENT_TYPE_ACTIVITY_TASK_COMPLETED',
  'EVENT_TYPE_ACTIVITY_TASK_FAILED',
  'EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT',
  'EVENT_TYPE_ACTIVITY_TASK_CANCELED',
] satisfies EventType[]);

/** The activities (by scheduled event ID) that finished while the workflow task ran. */
function bufferedActivityFinishes(e: Execution): Set<number> {
  const finished = new Set<number>();
  for (const batch of e.buffered)
    for (const event of batch.events)
      if (ACTIVITY_FINISHES.has(event.eventType))
        finished.add(Number(event.attributes.scheduledEventId));
  return finished;
}

/**
 * What each step of the completion would do to the run, as far as the steps after it depend on
 * it (a timer started and cancelled in one task, say). Each set is made on first use: most
 * completions schedule or cancel nothing, and a run may have many activities.
 */
class RunAsChecked {
  readonly timers: Set<string>;
  /** Timers that fired while the task ran: their fired events wait in the buffer. */
  readonly firedTimers = once(
    () =>
      new Set(
        this.e.buffered
          .map(b => b.timerId)
          .filter((id): id is string => Boolean(id)),
      ),
  );
  readonly activities = once(
    () =>
      new Map(
        Object.values(this.e.activities).map(a => [
          a.scheduledEventId,
          {
            activityId: String(a.attributes.activityId),
            started: Boolean(a.startedAt),
            cancelRequested: Boolean(a.cancelRequested),
          },
        ]),
      ),
  );
  readonly activityIds = once(
    () => new Set([...this.activities().values()].map(a => a.activityId)),
  );
  readonly finishedActivities = once(() => bufferedActivityFinishes(this.e));
  readonly updateStages = new Map<string, UpdateStage>();

  constructor(private readonly e: Execution) {
    this.timers = new Set(Object.keys(e.timers));
  }
}

/**
 * Checks a workflow task's messages and commands before any is applied, as the Temporal server
 * does (it discards what it applied of a task it then fails): a refused task fails as a whole
 * with the cause that names what was wrong, in Temporal's words. The check follows what each
 * step would do to the run's timers, activities and updates, so the steps after it can rely on
 * the earlier ones.
 */
export function refuseCompletion(
  e: Execution,
  steps: CompletionStep[],
  checks: { updates: WorkflowUpdates; visibility: Visibility },
): Refusal | undefined {
  const run = new RunAsChecked(e);
  for (const step of steps) {
    const c = step.command;
    if (c?.commandType === CommandType.COMMAND_TYPE_PROTOCOL_MESSAGE) {
      const id = c.protocolMessageCommandAttributes?.messageId;
      if (!id)
        return refuse(
          'BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE',
          'MessageID is not set on ProtocolMessageCommand.',
        );
      if (!step.message)
        return refuse(
          'BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE',
          `ProtocolMessageCommand referenced absent message ID ${id}`,
        );
    }
    if (step.message) {
      const refused = checks.updates.refuseMessage(
        e,
        step.message,
        run.updateStages,
      );
      if (refused)
        return refuse('BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE', refused);
      continue;
    }
    if (!c) continue;
    const refused = refuseCommand(e, c, run, checks.visibility);
    if (refused) return refused;
  }
  return undefined;
}

function refuseCommand(
  e: Execution,
  c: Command,
  run: RunAsChecked,
  visibility: Visibility,
): Refusal | undefined {
  const searchAttributesRefused = (
    attributes: Plain<temporal.api.common.v1.ISearchAttributes> | undefined,
  ) => {
    const refused = attributes && visibility.validate(e.namespace, attributes);
    return refused ? refuse('BAD_SEARCH_ATTRIBUTES', refused) : undefined;
  };
  switch (c.commandType) {
    case CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK:
      return refuseScheduleActivity(c, run);
    case CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK:
      return refuseCancelActivity(c, run);
    case CommandType.COMMAND_TYPE_START_TIMER: {
      const a = c.startTimerCommandAttributes;
      if (!a)
        return refuse(
          'BAD_START_TIMER_ATTRIBUTES',
          'StartTimerCommandAttributes is not set on StartTimerCommand.',
        );
      if (!a.timerId)
        return refuse(
          'BAD_START_TIMER_ATTRIBUTES',
          'TimerId is not set on StartTimerCommand.',
        );
      if (run.timers.has(a.timerId))
        return refuse(
          'START_TIMER_DUPLICATE_ID',
          invalidAction('add-timer-started-event', `TimerID: ${a.timerId}`),
        );
      run.timers.add(a.timerId);
      return undefined;
    }
    case CommandType.COMMAND_TYPE_CANCEL_TIMER: {
      const a = c.cancelTimerCommandAttributes;
      if (!a)
        return refuse(
          'BAD_CANCEL_TIMER_ATTRIBUTES',
          'CancelTimerCommandAttributes is not set on CancelTimerCommand.',
        );
      if (!a.timerId)
        return refuse(
          'BAD_CANCEL_TIMER_ATTRIBUTES',
          'TimerId is not set on CancelTimerCommand.',
        );
      // A running timer, or one that fired while the task ran (its fired event is dropped).
      if (!run.timers.delete(a.timerId) && !run.firedTimers().delete(a.timerId))
        return refuse(
          'BAD_CANCEL_TIMER_ATTRIBUTES',
          invalidAction('add-timer-canceled-event', `TimerID: ${a.timerId}`),
        );
      return undefined;
    }
    case CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
      return searchAttributesRefused(
        c.upsertWorkflowSearchAttributesCommandAttributes?.searchAttributes ??
          {},
      );
    case CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION: {
      const a = c.startChildWorkflowExecutionCommandAttributes ?? {};
      const ns = a.namespace || e.namespace;
      if (!a.workflowId)
        return refuse(
          'BAD_START_CHILD_EXECUTION_ATTRIBUTES',
          `Required field WorkflowId is not set on StartChildWorkflowExecutionCommand. WorkflowType=${
            a.workflowType?.name ?? ''
          } Namespace=${ns}`,
        );
      if (!a.workflowType?.name)
        return refuse(
          'BAD_START_CHILD_EXECUTION_ATTRIBUTES',
          `Required field WorkflowType is not set on StartChildWorkflowExecutionCommand. WorkflowId=${a.workflowId} Namespace=${ns}`,
        );
      const unimplemented = unimplementedStartOption(a);
      if (unimplemented)
        return refuse('BAD_START_CHILD_EXECUTION_ATTRIBUTES', unimplemented);
      return searchAttributesRefused(a.searchAttributes);
    }
    case CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION: {
      const a = c.continueAsNewWorkflowExecutionCommandAttributes ?? {};
      const unimplemented = unimplementedStartOption(a);
      if (unimplemented)
        return refuse('BAD_CONTINUE_AS_NEW_ATTRIBUTES', unimplemented);
      return searchAttributesRefused(a.searchAttributes);
    }
    default:
      if (!isImplementedCommand(c.commandType))
        return refuse(
          'UNSPECIFIED',
          `command type ${c.commandType} is not implemented by this Temporal dev server`,
        );
      return undefined;
  }
}

function refuseScheduleActivity(
  c: Command,
  run: RunAsChecked,
): Refusal | undefined {
  const a = c.scheduleActivityTaskCommandAttributes;
  if (!a)
    return refuse(
      'BAD_SCHEDULE_ACTIVITY_ATTRIBUTES',
      'ScheduleActivityTaskCommandAttributes is not set on ScheduleActivityTaskCommand.',
    );
  if (!a.activityId)
    return refuse('BAD_SCHEDULE_ACTIVITY_ATTRIBUTES', 'activityId is not set');
  if (!a.activityType?.name)
    return refuse(
      'BAD_SCHEDULE_ACTIVITY_ATTRIBUTES',
      'activityType is not set',
    );
  if (
    !durationMs(a.startToCloseTimeout) &&
    !durationMs(a.scheduleToCloseTimeout)
  )
    return refuse(
      'BAD_SCHEDULE_ACTIVITY_ATTRIBUTES',
      `a valid StartToCloseTimeout or ScheduleToCloseTimeout must be set on the activity. ActivityId=${a.activityId} ActivityType=${a.activityType.name}`,
    );
  if (run.activityIds().has(a.activityId))
    return refuse(
      'SCHEDULE_ACTIVITY_DUPLICATE_ID',
      invalidAction(
        'add-activitytask-scheduled-event',
        `ActivityID: ${a.activityId}`,
      ),
    );
  run.activityIds().add(a.activityId);
  return undefined;
}

function refuseCancelActivity(
  c: Command,
  run: RunAsChecked,
): Refusal | undefined {
  const a = c.requestCancelActivityTaskCommandAttributes;
  if (!a)
    return refuse(
      'BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES',
      'RequestCancelActivityTaskCommandAttributes is not set on RequestCancelActivityTaskCommand.',
    );
  const scheduledEventId = Number(a.scheduledEventId ?? 0);
  if (scheduledEventId <= 0)
    return refuse(
      'BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES',
      'ScheduledEventId is not set on RequestCancelActivityTaskCommand.',
    );
  const activity = run.activities().get(scheduledEventId);
  // An activity whose finish waits in the buffer: the request is recorded, nothing more.
  if (!activity && run.finishedActivities().has(scheduledEventId))
    return undefined;
  if (!activity || activity.cancelRequested)
    return refuse(
      'BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES',
      invalidAction(
        'add-activitytask-cancel-requested-event',
        `ScheduledEventID: ${scheduledEventId}`,
      ),
    );
  activity.cancelRequested = true;
  // One not started yet is cancelled at once, and its ID is free again.
  if (!activity.started) {
    run.activities().delete(scheduledEventId);
    run.activityIds().delete(activity.activityId);
  }
  return undefined;
}
