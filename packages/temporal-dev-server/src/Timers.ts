/*
 * Workflow timers: started by a command, fired by a deadline (the fired event, buffered while a
 * workflow task runs, gives the workflow a task), and cancelled by a command, also one that fired
 * while the task that cancels it ran.
 */
import type { temporal } from '@temporalio/proto';
import type { Deadlines } from './Deadlines';
import type { Plain } from './grpc/plain';
import { durationMs } from './history/time';
import { isRunning, type Execution } from './state';
import type { WorkflowExecutions } from './WorkflowExecutions';

export class Timers {
  constructor(
    private readonly executions: WorkflowExecutions,
    private readonly deadlines: Deadlines,
    /** A timer fired: its run needs a workflow task. */
    private readonly onFired: (e: Execution) => void,
  ) {}

  private deadlineName(e: Execution, timerId: string) {
    return `${e.runId}/timer/${timerId}`;
  }

  /** Starts a timer (refuseCompletion made sure its ID is free). */
  start(
    e: Execution,
    a: Plain<temporal.api.command.v1.IStartTimerCommandAttributes>,
    completedEventId: number,
  ): void {
    const timerId = a.timerId!;
    const [started] = this.executions.append(e, {
      eventType: 'EVENT_TYPE_TIMER_STARTED',
      field: 'timerStartedEventAttributes',
      attributes: {
        timerId,
        startToFireTimeout: a.startToFireTimeout,
        workflowTaskCompletedEventId: completedEventId,
      },
    });
    const fireAt =
      this.deadlines.clock.now() + (durationMs(a.startToFireTimeout) ?? 0);
    e.timers[timerId] = { startedEventId: started.eventId, fireAt };
    this.arm(e, timerId, fireAt);
  }

  /** Arms a started timer's deadline (also for a run loaded from a store). */
  arm(e: Execution, timerId: string, fireAt: number): void {
    this.deadlines.arm(this.deadlineName(e, timerId), fireAt, () => {
      const timer = e.timers[timerId];
      if (!timer || !isRunning(e)) return;
      delete e.timers[timerId];
      this.executions.record(e, {
        timerId,
        events: [
          {
            eventType: 'EVENT_TYPE_TIMER_FIRED',
            field: 'timerFiredEventAttributes',
            attributes: { timerId, startedEventId: timer.startedEventId },
          },
        ],
      });
      this.onFired(e);
    });
  }

  /**
   * Cancels a running timer, or one whose fired event waits in the buffer (it has not fired as far
   * as the workflow knows: the fired event is dropped, as Temporal drops it). refuseCompletion made
   * sure it is one of the two.
   */
  cancel(
    e: Execution,
    a: Plain<temporal.api.command.v1.ICancelTimerCommandAttributes>,
    completedEventId: number,
  ): void {
    const timerId = a.timerId!;
    let timer = e.timers[timerId];
    if (!timer) {
      const bufferedFire = e.buffered.findIndex(b => b.timerId === timerId);
      const [fired] = e.buffered.splice(bufferedFire, 1);
      timer = {
        startedEventId: Number(fired.events[0].attributes.startedEventId),
        fireAt: 0,
      };
    }
    delete e.timers[timerId];
    this.deadlines.disarm(this.deadlineName(e, timerId));
    this.executions.append(e, {
      eventType: 'EVENT_TYPE_TIMER_CANCELED',
      field: 'timerCanceledEventAttributes',
      attributes: {
        timerId,
        startedEventId: timer.startedEventId,
        workflowTaskCompletedEventId: completedEventId,
      },
    });
  }
}
