import { backoffDelayMs } from './backoff';

describe('backoffDelayMs', () => {
  const backoff = { initialMs: 1_000, maxMs: 30_000 };

  it('doubles from the first delay, less up to a fifth at random', () => {
    for (const [failures, full] of [
      [1, 1_000],
      [2, 2_000],
      [3, 4_000],
      [5, 16_000],
    ]) {
      const delay = backoffDelayMs(backoff, failures);
      expect(delay).toBeGreaterThanOrEqual(full * 0.8);
      expect(delay).toBeLessThanOrEqual(full);
    }
  });

  it('never waits longer than the bound, however many failures', () => {
    for (const failures of [6, 10, 100, 10_000])
      expect(backoffDelayMs(backoff, failures)).toBeLessThanOrEqual(30_000);
    expect(backoffDelayMs(backoff, 10_000)).toBeGreaterThanOrEqual(24_000);
  });
});
