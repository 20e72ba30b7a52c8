/*
 * Reading a run's history in tests: event types by name, event times, waiting for an event
 * through the history long-poll (GetWorkflowExecutionHistory with waitNewEvent), and waiting for
 * a condition of the server's state.
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

/** gRPC's DEADLINE_EXCEEDED: a long-poll the test stopped waiting for. */
const DEADLINE_EXCEEDED = 4;

const typesOf = (events: HistoryEvent[]) =>
  events.map(e => EventType[e.eventType ?? 0]).join(', ');

/**
 * The run's events up to the first that matches, read as the server writes them: each call waits
 * (long-polls) for events after the last page. Each event is matched once, in order, so a match
 * may count (the second completed task, say). Fails after `timeoutMs`, naming `what` it waited
 * for and the history so far.
 */
export async function waitForEvent(
  client: Client,
  execution: { workflowId: string; runId?: string },
  what: string,
  match: (event: HistoryEvent) => boolean,
  timeoutMs = 30_000,
): Promise<{ event: HistoryEvent; events: HistoryEvent[] }> {
  const deadline = Date.now() + timeoutMs;
  const events: HistoryEvent[] = [];
  const nextPage = (
    nextPageToken?: Uint8Array,
  ): Promise<temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryResponse> =>
    client.connection
      .withDeadline(deadline, () =>
        client.workflowService.getWorkflowExecutionHistory({
          namespace: 'default',
          execution: {
            workflowId: execution.workflowId,
            runId: execution.runId,
          },
          nextPageToken,
          waitNewEvent: true,
        }),
      )
      .catch(error => {
        if (error?.code !== DEADLINE_EXCEEDED) throw error;
        throw new Error(
          `waited ${timeoutMs} ms for ${what} in ${
            execution.workflowId
          }; its history: ${typesOf(events)}`,
        );
      });
  let nextPageToken: Uint8Array | undefined = undefined;
  for (;;) {
    const response = await nextPage(nextPageToken);
    const page = response.history?.events ?? [];
    events.push(...page);
    const event = page.find(match);
    if (event) return { event, events };
    if (!response.nextPageToken?.length)
      throw new Error(
        `${execution.workflowId} closed without ${what}; its history: ${typesOf(
          events,
        )}`,
      );
    nextPageToken = response.nextPageToken;
  }
}

/**
 * Polls a condition of the server's state until it holds (no sleeps in the tests themselves);
 * fails after `timeoutMs`, naming `what` it waited for.
 */
export async function waitFor(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`waited ${timeoutMs} ms for ${what}`);
    // A breath between polls: each is a round trip the server under test has to serve.
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}
