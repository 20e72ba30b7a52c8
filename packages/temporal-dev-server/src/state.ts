/*
 * The state of a workflow run, as plain data: its history and everything pending on it (the
 * workflow task, activities, timers, updates, children). Nothing here is a live timer or a
 * promise, so a run can be saved and loaded whole; the engine re-arms deadlines from these fields.
 */
import type { temporal } from '@temporalio/proto';
import type { Plain } from './grpc/plain';
import { timestamp } from './history/time';

/**
 * The name of a value of one of the proto's enums (`EnumName<typeof EventType>`). Runs and their
 * events keep enum values by name, as the protobuf JSON mapping writes them: they are saved and
 * loaded as such, and encoded to the same numbers.
 */
export type EnumName<Enum> = Extract<keyof Enum, string>;

type Enums = typeof temporal.api.enums.v1;

/** The statuses a run takes here (a run is never paused). */
export type ExecutionStatus = Exclude<
  EnumName<Enums['WorkflowExecutionStatus']>,
  'WORKFLOW_EXECUTION_STATUS_UNSPECIFIED' | 'WORKFLOW_EXECUTION_STATUS_PAUSED'
>;

export const RUNNING: ExecutionStatus = 'WORKFLOW_EXECUTION_STATUS_RUNNING';

export type EventType = EnumName<Enums['EventType']>;

/** The name of a history event's attributes field ("timerFiredEventAttributes"). */
export type EventAttributesField = Extract<
  keyof temporal.api.history.v1.IHistoryEvent,
  `${string}EventAttributes`
>;

/** A history event: its attributes under their field's name, as written (see `NewEvent`). */
export type HistoryEvent = {
  eventId: number;
  eventTime: { seconds: number; nanos: number };
  eventType: EventType;
} & Partial<Record<EventAttributesField, Record<string, unknown>>>;

/** An event to append: its type, the name of its attributes field, and the attributes. */
export interface NewEvent {
  eventType: EventType;
  field: EventAttributesField;
  attributes: Record<string, unknown>;
  /** When it happened (epoch ms), if not now: a retried workflow task's events are written late. */
  time?: number;
}

/** A retry whose events are written only once it completes (see `WorkflowTaskState.attempt`). */
export const isTransient = (task: WorkflowTaskState) => task.attempt > 1;

/** The history event a new event becomes as event `eventId`, at its own time or else `now`. */
export function toHistoryEvent(
  event: NewEvent,
  eventId: number,
  now: number,
): HistoryEvent {
  return {
    eventId,
    eventTime: timestamp(event.time ?? now),
    eventType: event.eventType,
    [event.field]: event.attributes,
  };
}

/**
 * Events that happened while a workflow task was running. The Temporal server writes them after
 * the task completes, so a worker never sees an event between a task's start and its completion.
 */
export interface BufferedEvents {
  events: NewEvent[];
  /** The second event refers to the first as its `startedEventId` (activity started + closed). */
  linkStarted?: boolean;
  /** So that a cancelled timer's buffered "fired" event can be dropped. */
  timerId?: string;
}

export interface WorkflowTaskState {
  scheduledEventId: number;
  startedEventId?: number;
  /**
   * From 2 on, the task is a retry with nothing new to deliver (transient, as Temporal calls it):
   * its scheduled and started events are written only when it completes, so a task that keeps
   * failing does not grow the history; until then workers see them at the end of its history.
   * One that has news to deliver is made a first attempt again (see `isTransient`).
   */
  attempt: number;
  /** The queue it was offered on: the run's own, or a worker's sticky queue. */
  queue: string;
  sticky: boolean;
  scheduledAt: number;
  startedAt?: number;
  startedIdentity?: string;
  /** Updates delivered with this task, redelivered if it fails. */
  updateIds: string[];
}

export interface ActivityState {
  scheduledEventId: number;
  attempt: number;
  /** When the current attempt was (or will be) offered to workers. */
  attemptScheduledAt: number;
  firstScheduledAt: number;
  startedAt?: number;
  startedIdentity?: string;
  heartbeatAt?: number;
  heartbeatDetails?: Plain<temporal.api.common.v1.IPayloads>;
  lastFailure?: Plain<temporal.api.failure.v1.IFailure>;
  cancelRequested?: boolean;
  /** The command's attributes, with the server's defaults filled in. */
  attributes: ActivityAttributes;
}

export type ActivityAttributes =
  Plain<temporal.api.command.v1.IScheduleActivityTaskCommandAttributes>;

export interface TimerState {
  startedEventId: number;
  fireAt: number;
}

export interface UpdateState {
  id: string;
  request: Plain<temporal.api.update.v1.IRequest>;
  stage: 'admitted' | 'accepted' | 'completed';
  /** Sent in a workflow task that has not completed yet. */
  delivered: boolean;
  acceptedEventId?: number;
  outcome?: Plain<temporal.api.update.v1.IOutcome>;
}

export interface ChildState {
  initiatedEventId: number;
  namespace: string;
  workflowId: string;
  runId?: string;
  workflowType: string;
  parentClosePolicy: temporal.api.enums.v1.ParentClosePolicy;
}

export interface ParentRef {
  namespace: string;
  workflowId: string;
  runId: string;
  initiatedEventId: number;
}

export interface Execution {
  namespace: string;
  workflowId: string;
  runId: string;
  firstExecutionRunId: string;
  workflowType: string;
  taskQueue: string;
  requestId: string;
  status: ExecutionStatus;
  startTime: number;
  closeTime?: number;
  /** Absolute deadline of this run (workflowRunTimeout / workflowExecutionTimeout). */
  runDeadline?: number;
  workflowTaskTimeoutMs: number;
  memo?: Plain<temporal.api.common.v1.IMemo>;
  searchAttributes?: Plain<temporal.api.common.v1.ISearchAttributes>;
  history: HistoryEvent[];
  /** Set when the run closes and its history is stored serialized. */
  historyLength?: number;
  buffered: BufferedEvents[];
  workflowTask?: WorkflowTaskState;
  /** Something happened while a workflow task was open: schedule another when it completes. */
  needsWorkflowTask: boolean;
  /** startedEventId of the last completed workflow task. */
  previousStartedEventId: number;
  /** Workflow tasks failed in a row, for the backoff before the next. */
  failedWorkflowTasks: number;
  /**
   * The attempt of the next workflow task: 1, or one more than the last when that failed or timed
   * out and nothing new came meanwhile (absent in runs saved before attempts were kept).
   */
  workflowTaskAttempt?: number;
  sticky?: { queue: string; scheduleToStartMs: number };
  activities: Record<string, ActivityState>;
  timers: Record<string, TimerState>;
  updates: Record<string, UpdateState>;
  children: Record<string, ChildState>;
  parent?: ParentRef;
  cancelRequested: boolean;
  /** The run this one continued as, once it closed with continue-as-new. */
  nextRunId?: string;
}

export const isRunning = (e: Execution) => e.status === RUNNING;
