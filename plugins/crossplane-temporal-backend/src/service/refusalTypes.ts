/*
 * The failure types a resource workflow refuses requests with, and what each means to a caller.
 * The names are those of the workflow's typed refusals (ApplicationFailure types, declared by the
 * workflow side in a workflow-safe module); this is the one table that maps them, and the only
 * place the names are spelled on this side.
 */

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

export const REFUSAL_KINDS: Readonly<Record<string, RefusalKind>> = {
  /** The request names another resource than the workflow's. */
  WrongResource: 'invalid',
  /** The request is malformed (e.g. a spec that is not an object). */
  InvalidRequest: 'invalid',
  /** A provision for a resource that exists or is being provisioned. */
  AlreadyProvisioned: 'conflict',
  /** An update for a resource that was never provisioned. */
  NotProvisioned: 'conflict',
  /** An update or deprovision while a deprovision runs. */
  BeingDeprovisioned: 'conflict',
  /** A request for a resource that has been deleted. */
  AlreadyDeleted: 'conflict',
  /** A decision for a request that is not waiting for one. */
  NoPendingApproval: 'conflict',
  /** A decision from someone the policy does not name as an approver. */
  NotAnApprover: 'forbidden',
  /** A decision by the person who made the request. */
  SelfApproval: 'forbidden',
  /** A retry when the last operation did not fail. */
  NothingToRetry: 'conflict',
  /** The cluster refused an apply: fields another manager owns would change. */
  FieldConflict: 'conflict',
  /** The cluster's validation refused the spec (an activity's failure type). */
  Invalid: 'invalid',
  /** The cluster's RBAC refused the requester (an activity's failure type). */
  Forbidden: 'forbidden',
};

/**
 * The type an `Error` thrown by workflow code gets from the SDK: a refusal the workflow did not
 * type. Until every refusal is typed, these count as conflicts (the common case: the resource is
 * not in a state that allows the request) and their message is passed on as it is.
 */
export const UNTYPED_WORKFLOW_ERROR = 'Error';
