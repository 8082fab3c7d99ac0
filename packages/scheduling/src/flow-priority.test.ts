import { firstAttemptPriority, isFirstAttempt, MAX_FIRST_PRIORITY, RETRY_PRIORITY } from './flow-priority.js';

test('a flow position becomes a first-attempt priority, capped below the retries', () => {
  expect(firstAttemptPriority(1)).toBe(1);
  expect(firstAttemptPriority(0)).toBe(1);
  expect(firstAttemptPriority(12_345)).toBe(12_345);
  expect(firstAttemptPriority(10 ** 9)).toBe(MAX_FIRST_PRIORITY);
  expect(MAX_FIRST_PRIORITY).toBeLessThan(RETRY_PRIORITY);
  // BullMQ's largest priority, and a score (priority * 2^32 + counter) Redis still orders exactly for first attempts
  expect(RETRY_PRIORITY).toBe(2 ** 21 - 1);
  expect((MAX_FIRST_PRIORITY + 1) * 2 ** 32).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
});

test('only first-attempt priorities count in a flow', () => {
  expect(isFirstAttempt(1)).toBe(true);
  expect(isFirstAttempt(MAX_FIRST_PRIORITY)).toBe(true);
  expect(isFirstAttempt(RETRY_PRIORITY)).toBe(false);
  expect(isFirstAttempt(0)).toBe(false);
  expect(isFirstAttempt(undefined)).toBe(false);
});
