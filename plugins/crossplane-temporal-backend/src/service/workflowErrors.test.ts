import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { FailureTypes } from '../workflows/refusals';
import { REFUSAL_KINDS } from './refusalTypes';
import { toBackstageError } from './workflowErrors';

const context = {
  operation: 'provision',
  resource: 'PostgreSQLInstance team-alpha/db in cluster local',
};
const refusal = (type: string | undefined, message = 'no') =>
  new WorkflowUpdateFailedError(
    'Workflow Update failed',
    ApplicationFailure.create({ type, message, nonRetryable: true }),
  );

describe('toBackstageError', () => {
  it.each([
    ['WrongResource', InputError],
    ['InvalidRequest', InputError],
    ['AlreadyProvisioned', ConflictError],
    ['NotProvisioned', ConflictError],
    ['BeingDeprovisioned', ConflictError],
    ['AlreadyDeleted', ConflictError],
    ['NoPendingApproval', ConflictError],
    ['NotAnApprover', NotAllowedError],
    ['SelfApproval', NotAllowedError],
    ['NothingToRetry', ConflictError],
    ['FieldConflict', ConflictError],
  ])('maps the refusal %s by its type', (type, kind) => {
    const error = toBackstageError(
      refusal(type, 'the workflow says why'),
      context,
    );
    expect(error).toBeInstanceOf(kind);
    expect(error.message).toBe('provision refused: the workflow says why');
  });

  it('maps every type in the table, and never by the message', () => {
    expect(Object.keys(REFUSAL_KINDS)).toEqual(
      expect.arrayContaining(Object.values(FailureTypes)),
    );
    // A message that reads like another refusal changes nothing: the type decides.
    expect(
      toBackstageError(refusal('SelfApproval', 'not found'), context),
    ).toBeInstanceOf(NotAllowedError);
    // A type the table does not know is a conflict, its message passed on.
    const untyped = toBackstageError(
      refusal(undefined, 'is already provisioned'),
      context,
    );
    expect(untyped).toBeInstanceOf(ConflictError);
  });

  it('maps a workflow that does not exist to 404', () => {
    const error = toBackstageError(
      new WorkflowNotFoundError('gone', 'wf', undefined),
      context,
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toMatch(/has no workflow/);
  });

  it('maps Temporal that cannot be reached, or answered too late, to 503', () => {
    const unavailable = Object.assign(
      new Error('14 UNAVAILABLE: No connection established'),
      {
        code: 14,
        details: 'x',
        metadata: { getMap: () => ({}) },
      },
    );
    const wrapped = new ServiceError('Failed to start workflow', {
      cause: unavailable,
    });
    expect(toBackstageError(wrapped, context)).toBeInstanceOf(
      ServiceUnavailableError,
    );
    const late = Object.assign(new Error('4 DEADLINE_EXCEEDED'), {
      code: 4,
      details: 'x',
      metadata: { getMap: () => ({}) },
    });
    expect(toBackstageError(late, context).message).toMatch(/same requestId/);
  });

  it('passes on what it does not know (a bug: a 500 with its stack in the log)', () => {
    const bug = new TypeError('x is undefined');
    expect(toBackstageError(bug, context)).toBe(bug);
  });
});
