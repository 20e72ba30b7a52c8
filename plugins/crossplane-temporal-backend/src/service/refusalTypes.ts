/*
 * What each of the resource workflow's typed refusals (`FailureTypes`, declared beside the
 * workflow in `workflows/refusals.ts`) means to a caller: the one table that maps them.
 */
import type { ClusterErrorReason } from '../cluster/types';
import type { FailureType } from '../workflows/refusals';

/** How a refusal reaches an HTTP caller. */
export type RefusalKind =
  /** 400: the request itself is wrong; the caller fixes it. */
  | 'invalid'
  /** 403: this caller may not do this. */
  | 'forbidden'
  /** 404: there is nothing to act on. */
  | 'notFound'
  /** 409: the resource is not in a state that allows it now. */
  | 'conflict';

/**
 * Every refusal type the workflow has (the compiler checks that none is missing), and the cluster
 * errors an activity fails a request with.
 */
export const REFUSAL_KINDS: Readonly<
  Record<
    FailureType | Extract<ClusterErrorReason, 'Invalid' | 'Forbidden'>,
    RefusalKind
  >
> = {
  WrongResource: 'invalid',
  InvalidRequest: 'invalid',
  AlreadyProvisioned: 'conflict',
  NotProvisioned: 'conflict',
  BeingDeprovisioned: 'conflict',
  AlreadyDeleted: 'conflict',
  NoPendingApproval: 'conflict',
  NotAnApprover: 'forbidden',
  SelfApproval: 'forbidden',
  NothingToRetry: 'conflict',
  FieldConflict: 'conflict',
  /** The cluster's validation refused the spec. */
  Invalid: 'invalid',
  /** The cluster's RBAC refused the requester. */
  Forbidden: 'forbidden',
};

/** The kind of a failure type; one the table does not know is a conflict, its message passed on. */
export function refusalKindOf(type: string | undefined | null): RefusalKind {
  return (
    (REFUSAL_KINDS as Readonly<Record<string, RefusalKind>>)[type ?? ''] ??
    'conflict'
  );
}
