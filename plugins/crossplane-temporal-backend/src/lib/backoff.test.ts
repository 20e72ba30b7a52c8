import { backoffDelayMs, pause } from './backoff';

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

  it('spreads replicas that failed together', () => {
    const delays = new Set(
      Array.from({ length: 50 }, () => backoffDelayMs(backoff, 4)),
    );
    expect(delays.size).toBeGreaterThan(1);
  });

  it('takes a count below one as the first failure', () => {
    expect(backoffDelayMs(backoff, 0)).toBeLessThanOrEqual(1_000);
  });
});

describe('pause', () => {
  it('waits the given time', async () => {
    const started = Date.now();
    await pause(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('ends as soon as its signal aborts, without waiting out the delay', async () => {
    const abort = new AbortController();
    const paused = pause(3_600_000, abort.signal);
    abort.abort();
    await expect(paused).resolves.toBeUndefined();
  });

  it('does not wait at all once the signal has aborted', async () => {
    await expect(
      pause(3_600_000, AbortSignal.abort()),
    ).resolves.toBeUndefined();
  });
});
