import {
  acceptRequestId,
  addStep,
  initialState,
  isFreshObservation,
} from './state';

describe('resource workflow state', () => {
  it('accepts a request ID once, so retried calls and duplicate signals do nothing', () => {
    const state = initialState();
    expect(acceptRequestId(state, 'req-1')).toBe(true);
    expect(acceptRequestId(state, 'req-1')).toBe(false);
    expect(acceptRequestId(state, 'req-2')).toBe(true);
  });

  it('drops duplicate and older watch events and keeps newer ones', () => {
    const state = initialState();
    expect(isFreshObservation(state, 'uid-1', '10')).toBe(true);
    expect(isFreshObservation(state, 'uid-1', '10')).toBe(false); // another replica's copy
    expect(isFreshObservation(state, 'uid-1', '9')).toBe(false); // stale
    expect(isFreshObservation(state, 'uid-1', '11')).toBe(true);
    expect(isFreshObservation(state, 'uid-2', '5')).toBe(true);
  });

  it('keeps a bounded history with increasing sequence numbers', () => {
    const state = initialState();
    const at = new Date('2026-01-01T00:00:00Z');
    for (let i = 0; i < 250; i++)
      addStep(state, at, 'apply', 'succeeded', `step ${i}`, 'req');
    expect(state.steps).toHaveLength(200);
    expect(state.steps[0].seq).toBe(51);
    expect(state.steps[199]).toMatchObject({
      seq: 250,
      message: 'step 249',
      requestId: 'req',
    });
  });
});
