import { ApplicationFailure } from '@temporalio/common';
import { asActivityFailure } from '../activities/failures';
import { ClusterRequestError } from '../cluster/errors';
import { FailureTypes, refusal } from './refusals';

describe('refusals', () => {
  it('are non-retryable application failures of their type, with their message', () => {
    const failure = refusal(FailureTypes.AlreadyDeleted, 'it is gone');
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({
      type: 'AlreadyDeleted',
      message: 'it is gone',
      nonRetryable: true,
    });
  });

  it('name each type by itself, so a type maps to one answer', () => {
    for (const [key, type] of Object.entries(FailureTypes))
      expect(type).toBe(key);
  });

  it('name the type activities fail with when an apply would take fields another manager owns', () => {
    const failure = asActivityFailure(
      new ClusterRequestError('FieldConflict', 'spec.size is owned by kubectl'),
    ) as ApplicationFailure;
    expect(failure.type).toBe(FailureTypes.FieldConflict);
  });
});
