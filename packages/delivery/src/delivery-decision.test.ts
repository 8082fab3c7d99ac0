import { decideOutcome, MAX_RETRY_AFTER_MS } from './delivery-decision.js';

const schedule = [5, 300, 1800];
const now = Date.UTC(2026, 0, 1);
const decide = (
  kind: 'delivered' | 'retryable' | 'blocked' | 'gone' | 'throttled',
  cycleAttempt: number,
  extra: { retryAfterMs?: number | null; goneCancels?: boolean } = {},
) => decideOutcome({ result: { kind, retryAfterMs: extra.retryAfterMs ?? null }, cycleAttempt, schedule, goneCancels: extra.goneCancels ?? true, now });

describe('decideOutcome', () => {
  test('a 2xx succeeds on any attempt, the last included', () => {
    expect(decide('delivered', 1)).toEqual({ status: 'SUCCEEDED' });
    expect(decide('delivered', 4)).toEqual({ status: 'SUCCEEDED' });
  });

  test('a failed attempt waits the schedule entry of its number', () => {
    expect(decide('retryable', 1)).toEqual({ status: 'PENDING', nextAttemptAt: new Date(now + 5_000) });
    expect(decide('retryable', 2)).toEqual({ status: 'PENDING', nextAttemptAt: new Date(now + 300_000) });
    expect(decide('blocked', 3)).toEqual({ status: 'PENDING', nextAttemptAt: new Date(now + 1_800_000) });
  });

  test('the attempt after the last schedule entry expires the notification', () => {
    expect(decide('retryable', 4)).toEqual({ status: 'EXPIRED' });
    expect(decideOutcome({ result: { kind: 'retryable', retryAfterMs: null }, cycleAttempt: 1, schedule: [], goneCancels: true, now })).toEqual({
      status: 'EXPIRED',
    });
  });

  test('410 Gone cancels only where webhook health is tracked', () => {
    expect(decide('gone', 1)).toEqual({ status: 'CANCELLED' });
    expect(decide('gone', 1, { goneCancels: false })).toEqual({ status: 'PENDING', nextAttemptAt: new Date(now + 5_000) });
  });

  test('Retry-After stretches the wait, never shortens it, and is capped', () => {
    expect(decide('throttled', 1, { retryAfterMs: 60_000 })).toEqual({ status: 'PENDING', nextAttemptAt: new Date(now + 60_000) });
    expect(decide('throttled', 1, { retryAfterMs: 1_000 })).toEqual({ status: 'PENDING', nextAttemptAt: new Date(now + 5_000) });
    expect(decide('throttled', 1, { retryAfterMs: 10 * MAX_RETRY_AFTER_MS })).toEqual({ status: 'PENDING', nextAttemptAt: new Date(now + MAX_RETRY_AFTER_MS) });
    // only a 429/503 carries one that counts
    expect(decide('retryable', 1, { retryAfterMs: 60_000 })).toEqual({ status: 'PENDING', nextAttemptAt: new Date(now + 5_000) });
  });

  test('Retry-After does not extend the cycle past its last attempt', () => {
    expect(decide('throttled', 4, { retryAfterMs: 1_000 })).toEqual({ status: 'EXPIRED' });
  });
});
