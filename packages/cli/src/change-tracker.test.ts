import { ChangeTracker } from './change-tracker.js';
import type { Notification } from './notification.js';

const n = (id: string, status: string, attempt_count: number, last_status_code: number | null = null): Notification => ({
  id,
  event_id: 'e',
  webhook_id: 'w',
  type: 'CARD.CREATED',
  status,
  attempt_count,
  next_attempt_at: null,
  last_status_code,
  created: '2026-01-01T00:00:00.000Z',
  delivered_at: null,
  expired_at: null,
  attempts: [],
});

test('reports new notifications and changed ones, never an unchanged one twice', () => {
  const tracker = new ChangeTracker();
  expect(tracker.settled).toBe(false);
  expect(tracker.changes([n('a', 'PENDING', 0), n('b', 'SUCCEEDED', 1, 200)]).map((c) => [c.notification.id, c.previous])).toEqual([
    ['a', undefined],
    ['b', undefined],
  ]);
  expect(tracker.changes([n('a', 'PENDING', 0), n('b', 'SUCCEEDED', 1, 200)])).toEqual([]);
  expect(tracker.settled).toBe(false);
  // another attempt with the same status is a change
  expect(tracker.changes([n('a', 'PENDING', 1, 500), n('b', 'SUCCEEDED', 1, 200)]).map((c) => [c.notification.id, c.previous])).toEqual([['a', 'PENDING|0|']]);
  expect(tracker.changes([n('a', 'EXPIRED', 1, 500), n('b', 'SUCCEEDED', 1, 200)])).toHaveLength(1);
  expect(tracker.settled).toBe(true);
  // back to PENDING (send-expired): a change, and not settled any more
  expect(tracker.changes([n('a', 'PENDING', 1, 500)])).toHaveLength(1);
  expect(tracker.settled).toBe(false);
  expect(tracker.seen).toBe(2);
});
