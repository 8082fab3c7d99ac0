import { classifyStatus, parseRetryAfter } from './deliverer.js';

describe('classifyStatus', () => {
  test.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [299, 'delivered'],
    [301, 'retryable'],
    [302, 'retryable'],
    [400, 'retryable'],
    [401, 'retryable'],
    [404, 'retryable'],
    [410, 'gone'],
    [429, 'throttled'],
    [500, 'retryable'],
    [503, 'throttled'],
    [199, 'retryable'],
  ])('HTTP %i is %s', (status, kind) => {
    expect(classifyStatus(status)).toBe(kind);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  test('seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });
  test('an HTTP date, counted from now and never negative', () => {
    expect(parseRetryAfter(new Date(now + 30_000).toUTCString(), now)).toBe(30_000);
    expect(parseRetryAfter(new Date(now - 30_000).toUTCString(), now)).toBe(0);
  });
  test('the first of repeated headers', () => {
    expect(parseRetryAfter(['5', '10'], now)).toBe(5_000);
  });
  test('absent or unreadable is null', () => {
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
});
