/*
 * Reading a run's history in tests: event types by name, event times, and waiting for an event
 * through the history long-poll (GetWorkflowExecutionHistory with waitNewEvent).
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export const { EventType } = temporal.api.enums.v1;
export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** An event's time in epoch milliseconds. */
export function eventMs(event: HistoryEvent): number {
  const { seconds, nanos } = event.eventTime ?? {};
  return Number(seconds ?? 0) * 1000 + (nanos ?? 0) / 1e6;
}

export function ofType(
  events: HistoryEvent[],
  type: temporal.api.enums.v1.EventType,
): HistoryEvent[] {
  return events.filter(e => e.eventType === type);
}

/**
 * The run's events up to the first that matches, read as the server writes them: each call waits
 * (long-polls) for events after the last page.
 */
export async function waitForEvent(
  client: Client,
  execution: { workflowId: string; runId?: string },
  match: (event: HistoryEvent) => boolean,
): Promise<{ event: HistoryEvent; events: HistoryEvent[] }> {
  const events: HistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined = undefined;
  for (;;) {
    const response: temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryResponse =
      await client.workflowService.getWorkflowExecutionHistory({
        namespace: 'default',
        execution: { workflowId: execution.workflowId, runId: execution.runId },
        nextPageToken,
        waitNewEvent: true,
      });
    events.push(...(response.history?.events ?? []));
    const event = events.find(match);
    if (event) return { event, events };
    if (!response.nextPageToken?.length)
      throw new Error(
        `the run closed without the event awaited; its history: ${events
          .map(e => EventType[e.eventType ?? 0])
          .join(', ')}`,
      );
    nextPageToken = response.nextPageToken;
  }
}

/** Polls a condition of the server's state until it holds (no sleeps in the tests themselves). */
export async function waitFor(
  condition: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise(resolve => setImmediate(resolve));
  }
}
