/*
 * History in pages, as the Temporal server serves it: at most 256 events a page (its
 * history.maxPageSize default, also the cap on what a client may ask for), in workflow task polls
 * and GetWorkflowExecutionHistory alike. A page token names the index of the next event and, for
 * the pages of a workflow task, the end of the task's history, so that a worker fetching the rest
 * gets no event past the task's started event.
 */
import * as grpc from '@grpc/grpc-js';
import { RpcError } from '../grpc/serviceDefinition';
import type { HistoryEvent } from '../state';

const HISTORY_PAGE_SIZE = 256;

export interface HistoryPageToken {
  /** Index of the next event to return. */
  next: number;
  /** Index after the last event of a workflow task's history; absent: the run's whole history. */
  end?: number;
}

export function encodePageToken(token: HistoryPageToken): Buffer {
  return Buffer.from(
    token.end === undefined ? String(token.next) : `${token.next}:${token.end}`,
  );
}

/** The token a client passed back, or a start from the first event when it passed none. */
export function decodePageToken(
  bytes: Uint8Array | undefined,
): HistoryPageToken {
  if (!bytes?.length) return { next: 0 };
  const match = /^(\d+)(?::(\d+))?$/.exec(Buffer.from(bytes).toString('utf8'));
  if (!match) {
    throw new RpcError(grpc.status.INVALID_ARGUMENT, 'Invalid NextPageToken.');
  }
  return {
    next: Number(match[1]),
    end: match[2] === undefined ? undefined : Number(match[2]),
  };
}

/** A client's page size, as Temporal bounds it. */
export function pageSize(requested: number | undefined): number {
  return requested && requested > 0
    ? Math.min(requested, HISTORY_PAGE_SIZE)
    : HISTORY_PAGE_SIZE;
}

/**
 * One page of `events` from index `from`, up to `end`; the token for the next page when more
 * remain. An empty page ends the paging, so a stale token cannot loop.
 */
export function historyPage(
  events: HistoryEvent[],
  from: number,
  options: { size?: number; end?: number } = {},
): { events: HistoryEvent[]; nextPageToken?: Buffer } {
  const end = Math.min(options.end ?? events.length, events.length);
  const page = events.slice(
    from,
    Math.min(end, from + (options.size ?? HISTORY_PAGE_SIZE)),
  );
  const next = from + page.length;
  return {
    events: page,
    nextPageToken:
      page.length > 0 && next < end
        ? encodePageToken({ next, end: options.end })
        : undefined,
  };
}

/** A page as the history fields of an answer (GetWorkflowExecutionHistory, a polled task). */
export function historyAnswer(page: ReturnType<typeof historyPage>) {
  return {
    history: { events: page.events },
    nextPageToken: page.nextPageToken,
  };
}
