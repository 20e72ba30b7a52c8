/*
 * The request checks, on their own: given the state and a request, each accepts it or refuses it
 * with a typed, non-retryable failure that says what is wrong and what to do.
 */
import { ApplicationFailure } from '@temporalio/common';
import { alice, provisionRequest, ref } from '../__testUtils__/resourceEntity';
import { FailureTypes, type FailureType } from './refusals';
import {
  acceptOperation,
  acceptRetry,
  checkDecision,
  checkDeprovision,
  checkProvision,
  checkRetry,
  checkUpdateSpec,
  type RequestContext,
} from './requests';
import { initialState, type ResourceState } from './state';

const at = new Date('2026-03-01T09:00:00Z');

const context = (
  state: Partial<ResourceState> = {},
  provisionRunning = false,
): RequestContext => ({
  ref,
  state: { ...initialState(), ...state },
  provisionRunning,
});

const provisioned = (extra: Partial<ResourceState> = {}) =>
  context({
    phase: 'Ready',
    applied: { uid: 'uid-1', generation: 1 },
    ...extra,
  });

/** The refusal a check throws, asserted to be a typed, non-retryable failure. */
function refusalOf(check: () => void, type: FailureType): string {
  let thrown: unknown;
  try {
    check();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ApplicationFailure);
  const failure = thrown as ApplicationFailure;
  expect(failure.type).toBe(type);
  expect(failure.nonRetryable).toBe(true);
  return failure.message;
}

const update = (spec: unknown, requestId = 'update-1') => ({
  requestId,
  requestedBy: alice,
  spec: spec as any,
});
const deprovision = (requestId = 'deprovision-1') => ({
  requestId,
  requestedBy: alice,
});
const queued = (op: 'provision' | 'deprovision') =>
  op === 'provision'
    ? { op, request: provisionRequest() }
    : { op, request: deprovision() };

describe('checkProvision', () => {
  it('takes a first provision, and the same request again', () => {
    expect(() => checkProvision(context(), provisionRequest())).not.toThrow();
    const again = context({ acceptedRequestIds: ['provision-1'] }, true);
    expect(() => checkProvision(again, provisionRequest())).not.toThrow();
  });

  it('refuses a request for another resource, naming the one it manages', () => {
    const other = provisionRequest({ ref: { ...ref, name: 'other-db' } });
    expect(
      refusalOf(
        () => checkProvision(context(), other),
        FailureTypes.WrongResource,
      ),
    ).toBe(
      'this workflow manages PostgreSQLInstance team-alpha/orders-db (database.example.org/v1alpha1) in cluster local; the request names another resource',
    );
  });

  it.each([
    ['provisioned', provisioned(), 'Ready'],
    ['queued', context({ queue: [queued('provision')] }), 'Pending'],
    ['running', context({ phase: 'Validating' }, true), 'Validating'],
    [
      'awaiting approval',
      context({ phase: 'AwaitingApproval' }),
      'AwaitingApproval',
    ],
  ])('refuses another provision while one is %s', (_, ctx, phase) => {
    expect(
      refusalOf(
        () => checkProvision(ctx, provisionRequest({ requestId: 'p-2' })),
        FailureTypes.AlreadyProvisioned,
      ),
    ).toBe(
      `PostgreSQLInstance team-alpha/orders-db is already provisioned or being provisioned (phase ${phase}); send an update to change its spec`,
    );
  });

  it('takes a provision again once the resource is deleted', () => {
    const deleted = provisioned({ phase: 'Deleted' });
    expect(() => checkProvision(deleted, provisionRequest())).not.toThrow();
  });
});

describe('checkUpdateSpec', () => {
  it('takes an update of a provisioned resource, or of one whose provision is queued', () => {
    expect(() => checkUpdateSpec(provisioned(), update({}))).not.toThrow();
    const coming = context({ queue: [queued('provision')] });
    expect(() => checkUpdateSpec(coming, update({}))).not.toThrow();
  });

  it('refuses an update of a resource never provisioned', () => {
    expect(
      refusalOf(
        () => checkUpdateSpec(context(), update({})),
        FailureTypes.NotProvisioned,
      ),
    ).toBe(
      'PostgreSQLInstance team-alpha/orders-db is not provisioned (phase Pending); provision it first',
    );
  });

  it('refuses an update while a deprovision is queued or runs', () => {
    for (const ctx of [
      provisioned({ queue: [queued('deprovision')] }),
      provisioned({ phase: 'Deprovisioning' }),
    ]) {
      expect(
        refusalOf(
          () => checkUpdateSpec(ctx, update({})),
          FailureTypes.BeingDeprovisioned,
        ),
      ).toBe('PostgreSQLInstance team-alpha/orders-db is being deprovisioned');
    }
  });

  it.each([[null], [['not', 'a', 'spec']], ['large']])(
    'refuses a spec that is not an object (%j)',
    spec => {
      expect(
        refusalOf(
          () => checkUpdateSpec(provisioned(), update(spec)),
          FailureTypes.InvalidRequest,
        ),
      ).toBe('spec must be an object');
    },
  );

  it('takes a request it already accepted, whatever the state is now', () => {
    const ctx = context({ phase: 'Deleted', acceptedRequestIds: ['update-1'] });
    expect(() => checkUpdateSpec(ctx, update(null))).not.toThrow();
  });
});

describe('checkDeprovision', () => {
  it('takes a deprovision from any phase but these two', () => {
    expect(() => checkDeprovision(context(), deprovision())).not.toThrow();
    expect(() =>
      checkDeprovision(provisioned({ phase: 'Failed' }), deprovision()),
    ).not.toThrow();
  });

  it('refuses a second deprovision', () => {
    const ctx = provisioned({ queue: [queued('deprovision')] });
    expect(
      refusalOf(
        () => checkDeprovision(ctx, deprovision('deprovision-2')),
        FailureTypes.BeingDeprovisioned,
      ),
    ).toBe(
      'PostgreSQLInstance team-alpha/orders-db is already being deprovisioned',
    );
    // The same request again is answered, not refused.
    const again = {
      ...ctx,
      state: { ...ctx.state, acceptedRequestIds: ['deprovision-1'] },
    };
    expect(() => checkDeprovision(again, deprovision())).not.toThrow();
  });

  it('refuses a deprovision of a deleted resource', () => {
    expect(
      refusalOf(
        () =>
          checkDeprovision(provisioned({ phase: 'Deleted' }), deprovision()),
        FailureTypes.AlreadyDeleted,
      ),
    ).toBe('PostgreSQLInstance team-alpha/orders-db is already deleted');
  });
});

describe('checkDecision', () => {
  const waiting = context({
    phase: 'AwaitingApproval',
    pendingApproval: {
      requestId: 'provision-1',
      operation: 'provision',
      requestedBy: 'user:default/pat',
      approvers: ['group:default/platform', 'user:default/alice'],
      expiresAt: '2026-03-01T10:00:00Z',
    },
  });
  const decision = (extra: object = {}) => ({
    requestId: 'provision-1',
    decidedBy: 'user:default/sam',
    decidedByOwnershipRefs: ['user:default/sam', 'group:default/platform'],
    approved: true,
    ...extra,
  });

  it('takes a decision by an approver, named or through a group', () => {
    expect(() => checkDecision(waiting, decision())).not.toThrow();
    expect(() =>
      checkDecision(
        waiting,
        decision({
          decidedBy: 'user:default/alice',
          decidedByOwnershipRefs: [],
        }),
      ),
    ).not.toThrow();
  });

  it('refuses a decision on a request that is not waiting', () => {
    expect(
      refusalOf(
        () => checkDecision(waiting, decision({ requestId: 'other' })),
        FailureTypes.NoPendingApproval,
      ),
    ).toBe('no request other is waiting for approval');
    expect(
      refusalOf(
        () => checkDecision(context(), decision()),
        FailureTypes.NoPendingApproval,
      ),
    ).toBe('no request provision-1 is waiting for approval');
  });

  it('refuses a decision by someone who is not an approver, naming the approvers', () => {
    const outsider = decision({
      decidedBy: 'user:default/eve',
      decidedByOwnershipRefs: ['user:default/eve', 'group:default/team-beta'],
    });
    expect(
      refusalOf(
        () => checkDecision(waiting, outsider),
        FailureTypes.NotAnApprover,
      ),
    ).toBe(
      'user:default/eve may not decide this request; approvers are group:default/platform, user:default/alice',
    );
  });

  it('refuses a decision by the requester, approver or not', () => {
    const own = decision({
      decidedBy: 'user:default/pat',
      decidedByOwnershipRefs: ['group:default/platform'],
    });
    expect(
      refusalOf(() => checkDecision(waiting, own), FailureTypes.SelfApproval),
    ).toBe('a request cannot be approved by the person who made it');
  });
});

describe('checkRetry and acceptRetry', () => {
  it('refuses a retry when nothing failed', () => {
    expect(
      refusalOf(() => checkRetry(provisioned()), FailureTypes.NothingToRetry),
    ).toBe('nothing to retry: the last operation did not fail (phase Ready)');
    // Failed, but by drift repair: no operation to run again.
    expect(
      refusalOf(
        () => checkRetry(provisioned({ phase: 'Failed' })),
        FailureTypes.NothingToRetry,
      ),
    ).toMatch(/phase Failed/);
  });

  it('queues the failed operation again under the retry’s request ID', () => {
    const ctx = provisioned({
      phase: 'Failed',
      failedOperation: queued('provision'),
    });
    expect(() => checkRetry(ctx)).not.toThrow();
    const answer = acceptRetry(
      ctx.state,
      { requestId: 'retry-1', requestedBy: 'user:default/alice' },
      at,
    );
    expect(answer).toEqual({ requestId: 'retry-1', firstTime: true });
    expect(ctx.state.failedOperation).toBeUndefined();
    expect(ctx.state.queue).toEqual([
      {
        op: 'provision',
        request: { ...provisionRequest(), requestId: 'retry-1' },
      },
    ]);
    expect(ctx.state.steps.map(s => s.message)).toEqual([
      'retry of the failed provision requested by user:default/alice',
      'provision requested by user:default/alice',
    ]);
  });
});

describe('acceptOperation', () => {
  it('queues a request once and records who asked; the same request again changes nothing', () => {
    const state = initialState();
    const operation = queued('provision') as any;
    expect(acceptOperation(state, operation, at)).toEqual({
      requestId: 'provision-1',
      firstTime: true,
    });
    expect(acceptOperation(state, operation, at)).toEqual({
      requestId: 'provision-1',
      firstTime: false,
    });
    expect(state.queue).toHaveLength(1);
    expect(state.steps).toEqual([
      {
        seq: 1,
        at: at.toISOString(),
        requestId: 'provision-1',
        step: 'request',
        outcome: 'info',
        message: 'provision requested by user:default/alice',
      },
    ]);
  });
});
