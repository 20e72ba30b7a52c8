/*
 * The state of a workflow run, as plain data: its history and everything pending on it (the
 * workflow task, activities, timers, updates, children). Nothing here is a live timer or a
 * promise, so a run can be saved and loaded whole; the engine re-arms deadlines from these fields.
 */
import { timestamp } from './history/time';

export type ExecutionStatus =
  | 'WORKFLOW_EXECUTION_STATUS_RUNNING'
  | 'WORKFLOW_EXECUTION_STATUS_COMPLETED'
  | 'WORKFLOW_EXECUTION_STATUS_FAILED'
  | 'WORKFLOW_EXECUTION_STATUS_CANCELED'
  | 'WORKFLOW_EXECUTION_STATUS_TERMINATED'
  | 'WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW'
  | 'WORKFLOW_EXECUTION_STATUS_TIMED_OUT';

export const RUNNING: ExecutionStatus = 'WORKFLOW_EXECUTION_STATUS_RUNNING';

export interface HistoryEvent {
  eventId: number;
  eventTime: { seconds: number; nanos: number };
  eventType: string;
  [attributes: string]: unknown;
}

/** An event to append: its type, the name of its attributes field, and the attributes. */
export interface NewEvent {
  eventType: string;
  field: string;
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
  heartbeatDetails?: unknown;
  lastFailure?: unknown;
  cancelRequested?: boolean;
  attributes: any;
}

export interface TimerState {
  startedEventId: number;
  fireAt: number;
}

export interface UpdateState {
  id: string;
  request: any;
  stage: 'admitted' | 'accepted' | 'completed';
  /** Sent in a workflow task that has not completed yet. */
  delivered: boolean;
  acceptedEventId?: number;
  outcome?: any;
}

export interface ChildState {
  initiatedEventId: number;
  namespace: string;
  workflowId: string;
  runId?: string;
  workflowType: string;
  parentClosePolicy: number;
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
  memo?: any;
  searchAttributes?: any;
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
