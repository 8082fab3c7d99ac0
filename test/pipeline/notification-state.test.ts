/**
 * The notification state machine against a real Postgres: every code path
 * that changes a status (DeliveryStore.record, resend, cancel by id or by
 * webhook, sendexpired) leaves the side fields its table says, and refuses
 * the changes the table does not have.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import {
  canTransition,
  createDatabase,
  DeliveryStore,
  NotificationsRepository,
  TRANSITIONS,
  WebhooksRepository,
  type Database,
  type NotificationStatus,
} from '@hookrelay/db';
import { testDatabaseUrl } from '../support/env.js';
import { seedWebhookEvent } from '../support/seed.js';

let database: Database;
let store: DeliveryStore;
const notifications = new NotificationsRepository();

beforeAll(() => {
  database = createDatabase({ url: testDatabaseUrl(), poolSize: 2 });
  store = new DeliveryStore(database.pool);
});
afterAll(() => database.close());

interface Row {
  status: NotificationStatus;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
  expired_at: Date | null;
  cancelled_at: Date | null;
  attempt_count: number;
  cycle_attempts: number;
  updated_at: Date;
}

const q = <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => database.pool.query<T>(text, values);

/** A webhook with one notification in `status`, its side fields as that status has them. */
async function seed(status: NotificationStatus): Promise<{ id: string; webhookId: string }> {
  const { tenant, webhookId, eventId } = await seedWebhookEvent(database.pool, 'sm');
  const id = randomUUID();
  const past = new Date(Date.now() - 60_000);
  await q(
    `INSERT INTO notifications (id, tenant_id, event_id, webhook_id, type, status, attempt_count, cycle_attempts, next_attempt_at, delivered_at, expired_at, cancelled_at, updated_at)
     VALUES ($1, $2, $3, $4, 'CARD.CREATED', $5, 1, 1, $6, $7, $8, $9, $10)`,
    [
      id,
      tenant,
      eventId,
      webhookId,
      status,
      status === 'PENDING' ? past : null,
      status === 'SUCCEEDED' ? past : null,
      status === 'EXPIRED' ? past : null,
      status === 'CANCELLED' ? past : null,
      past,
    ],
  );
  return { id, webhookId };
}

const row = async (id: string) => (await q<Row>('SELECT * FROM notifications WHERE id = $1', [id])).rows[0]!;
const attempt = (id: string, number: number, at: Date) => ({
  notificationId: id,
  attemptNumber: number,
  attemptedAt: at,
  durationMs: 5,
  statusCode: 200,
  responseBody: 'ok',
  error: null,
  trigger: 'schedule' as const,
});

test('the transition table is the one SPEC describes', () => {
  expect(TRANSITIONS.attempt.from).toEqual(['PENDING']);
  expect(canTransition('sendexpired', 'EXPIRED', 'PENDING')).toBe(true);
  expect(canTransition('sendexpired', 'CANCELLED', 'PENDING')).toBe(false);
  expect(canTransition('resend', 'PENDING', 'SUCCEEDED')).toBe(false);
  expect(canTransition('cancel', 'SUCCEEDED', 'CANCELLED')).toBe(false);
});

describe('attempt (DeliveryStore.record)', () => {
  test('a failed attempt keeps it PENDING with the next attempt time', async () => {
    const { id } = await seed('PENDING');
    const at = new Date();
    const next = new Date(at.getTime() + 5000);
    expect(await store.record(attempt(id, 2, at), { status: 'PENDING', nextAttemptAt: next })).toBe(true);
    expect(await row(id)).toMatchObject({
      status: 'PENDING',
      next_attempt_at: next,
      expired_at: null,
      delivered_at: null,
      attempt_count: 2,
      cycle_attempts: 2,
    });
  });

  test.each([
    ['SUCCEEDED', 'delivered_at'],
    ['EXPIRED', 'expired_at'],
    ['CANCELLED', 'cancelled_at'],
  ] as const)('entering %s stamps %s and clears next_attempt_at', async (status, stamped) => {
    const { id } = await seed('PENDING');
    const before = (await row(id)).updated_at;
    const at = new Date();
    expect(await store.record(attempt(id, 2, at), { status })).toBe(true);
    const after = await row(id);
    expect(after).toMatchObject({ status, next_attempt_at: null, [stamped]: at });
    expect(after.updated_at.getTime()).toBeGreaterThan(before.getTime());
  });

  test('the same attempt recorded twice (a job run twice at once) moves the notification once', async () => {
    const { id } = await seed('PENDING');
    const at = new Date();
    const next = new Date(at.getTime() + 5000);
    expect(await store.record(attempt(id, 2, at), { status: 'PENDING', nextAttemptAt: next })).toBe(true);
    expect(await store.record({ ...attempt(id, 2, new Date()), statusCode: 500 }, { status: 'EXPIRED' })).toBe(false);
    expect(await row(id)).toMatchObject({ status: 'PENDING', next_attempt_at: next, attempt_count: 2, cycle_attempts: 2 });
    const rows = (await q<{ n: string }>('SELECT count(*) AS n FROM attempts WHERE notification_id = $1', [id])).rows[0]!;
    expect(Number(rows.n)).toBe(1);
  });

  test('a notification that is no longer PENDING does not move', async () => {
    const { id } = await seed('CANCELLED');
    expect(await store.record(attempt(id, 2, new Date()), { status: 'SUCCEEDED' })).toBe(false);
    expect(await row(id)).toMatchObject({ status: 'CANCELLED', delivered_at: null, attempt_count: 1 });
  });
});

describe('cancel', () => {
  test('by notification and by webhook write the same fields (both clear next_attempt_at)', async () => {
    const one = await seed('PENDING');
    const other = await seed('PENDING');
    expect(await notifications.cancelPending(database.prisma, { notificationId: one.id })).toBe(1);
    expect(await new WebhooksRepository(database.prisma).cancelPendingNotifications(other.webhookId)).toBe(1);
    for (const id of [one.id, other.id]) {
      const r = await row(id);
      expect(r).toMatchObject({ status: 'CANCELLED', next_attempt_at: null });
      expect(r.cancelled_at).toBeInstanceOf(Date);
    }
  });

  test('only PENDING notifications are cancelled', async () => {
    const done = await seed('SUCCEEDED');
    expect(await notifications.cancelPending(database.prisma, { notificationId: done.id })).toBe(0);
    expect((await row(done.id)).status).toBe('SUCCEEDED');
  });
});

describe('sendexpired', () => {
  test('EXPIRED goes back to PENDING with a fresh cycle; other statuses stay', async () => {
    const expired = await seed('EXPIRED');
    const cancelled = await seed('CANCELLED');
    const now = new Date();
    const ids = await notifications.requeueExpired(database.prisma, { tenantId: null, ids: [expired.id, cancelled.id] }, now);
    expect(ids).toEqual([expired.id]);
    expect(await row(expired.id)).toMatchObject({ status: 'PENDING', next_attempt_at: now, expired_at: null, cycle_attempts: 0 });
    expect((await row(cancelled.id)).status).toBe('CANCELLED');
  });
});

describe('resend', () => {
  test('a success moves EXPIRED to SUCCEEDED as an attempt would (expired_at cleared)', async () => {
    const { id } = await seed('EXPIRED');
    const at = new Date();
    await store.recordResend({ ...attempt(id, 2, at), trigger: 'resend' }, true);
    expect(await row(id)).toMatchObject({
      status: 'SUCCEEDED',
      delivered_at: at,
      expired_at: null,
      next_attempt_at: null,
      attempt_count: 2,
      cycle_attempts: 1,
    });
  });

  test('a failure is counted and changes nothing else', async () => {
    const { id } = await seed('EXPIRED');
    const before = await row(id);
    await store.recordResend({ ...attempt(id, 2, new Date()), statusCode: 500, trigger: 'resend' }, false);
    const after = await row(id);
    expect(after).toMatchObject({ status: 'EXPIRED', expired_at: before.expired_at, delivered_at: null, attempt_count: 2 });
  });
});
