/*
 * Pages of the resource list: newest change first, the workflow ID breaking ties, and a cursor
 * that names the last item of a page, so a page stays right while items change around it.
 */
import { InputError } from '@backstage/errors';

export const DEFAULT_PAGE = 50;

type SortKey = { updatedAt?: string; workflowId: string };

/** Newest change first; the workflow ID breaks ties. Negative when `a` comes first. */
export function newestFirst(a: SortKey, b: SortKey): number {
  return (
    (b.updatedAt ?? '').localeCompare(a.updatedAt ?? '') ||
    a.workflowId.localeCompare(b.workflowId)
  );
}

/** The page of `sorted` (sorted by `newestFirst`) that follows `after`. */
export function pageAfter<T extends SortKey>(
  sorted: T[],
  after: SortKey | undefined,
  limit: number,
): { page: T[]; nextCursor?: string } {
  const start = after ? sorted.findIndex(e => newestFirst(e, after) > 0) : 0;
  const page = start === -1 ? [] : sorted.slice(start, start + limit);
  const last = page[page.length - 1];
  return {
    page,
    ...(last && start + limit < sorted.length
      ? { nextCursor: encodeCursor(last) }
      : {}),
  };
}

function encodeCursor(entry: SortKey): string {
  return Buffer.from(
    JSON.stringify({ u: entry.updatedAt ?? '', w: entry.workflowId }),
  ).toString('base64url');
}

export function decodeCursor(cursor: string): SortKey {
  try {
    const { u, w } = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    if (typeof u === 'string' && typeof w === 'string')
      return { updatedAt: u, workflowId: w };
  } catch {
    // Reported below.
  }
  throw new InputError(
    'cursor is not one this API gave out; pass the nextCursor of the previous page, or leave it out for the first page',
  );
}
