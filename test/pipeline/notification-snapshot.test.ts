/**
 * A notification and its attempts are read as of one moment. Prisma loads an
 * `include` with a second statement; this test records an attempt between the
 * two (a pg client that runs the write just before the attempts statement)
 * and checks that the answer is the state before the write or after it, never
 * the attempts of after with the `next_attempt_at` of before.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { createDatabase, NotificationsRepository, PrismaClient, type Database } from '@hookrelay/db';
import { testDatabaseUrl } from '../support/env.js';
import { seedWebhookEvent } from '../support/seed.js';

let database: Database;
let reader: PrismaClient;
let readerPool: pg.Pool;
/** run once, just before the next statement that reads attempts */
let beforeAttemptsRead: (() => Promise<void>) | null = null;

// pg's query has a dozen overloads: this wrapper takes and passes on any of them
class InterleavingClient extends pg.Client {
  override query(...args: any[]): any {
    const text: unknown = typeof args[0] === 'string' ? args[0] : args[0]?.text;
    const hook = beforeAttemptsRead;
    if (!hook || typeof text !== 'string' || !text.includes('"attempts"')) return super.query(...(args as [string]));
    beforeAttemptsRead = null;
    const callback = typeof args[args.length - 1] === 'function' ? args[args.length - 1] : null;
    const run = hook().then(() => super.query(...(args as [string])));
    if (callback) run.catch(callback);
    return callback ? undefined : run;
  }
}

beforeAll(() => {
  database = createDatabase({ url: testDatabaseUrl(), poolSize: 2 });
  readerPool = new pg.Pool({ connectionString: testDatabaseUrl(), max: 2, Client: InterleavingClient });
  reader = new PrismaClient({ adapter: new PrismaPg(readerPool) });
});
afterAll(async () => {
  await reader.$disconnect();
  await readerPool.end();
  await database.close();
});

const q = (text: string, values: unknown[] = []) => database.pool.query(text, values);

test('an attempt recorded between the two statements of a read is in both or in neither', async () => {
  const { tenant, webhookId, eventId } = await seedWebhookEvent(database.pool, 'snap');
  const id = randomUUID();
  const first = new Date(Date.now() - 60_000);
  const firstNext = new Date(first.getTime() + 1000);
  await q(
    `INSERT INTO notifications (id, tenant_id, event_id, webhook_id, type, status, attempt_count, cycle_attempts, next_attempt_at, updated_at)
     VALUES ($1, $2, $3, $4, 'CARD.CREATED', 'PENDING', 1, 1, $5, now())`,
    [id, tenant, eventId, webhookId, firstNext],
  );
  const insertAttempt = (n: number, at: Date) =>
    q(
      `INSERT INTO attempts (id, notification_id, attempt_number, attempted_at, duration_ms, status_code, trigger) VALUES ($1, $2, $3, $4, 5, 500, 'schedule')`,
      [randomUUID(), id, n, at],
    );
  await insertAttempt(1, first);
  const second = new Date(firstNext.getTime() + 100);
  const secondNext = new Date(second.getTime() + 2000);
  const recordSecond = async () => {
    await q('BEGIN');
    await insertAttempt(2, second);
    await q('UPDATE notifications SET attempt_count = 2, cycle_attempts = 2, next_attempt_at = $2, updated_at = now() WHERE id = $1', [id, secondNext]);
    await q('COMMIT');
  };

  const notifications = new NotificationsRepository();
  for (const read of [
    () => notifications.findById(reader, tenant, id),
    async () => (await notifications.search(reader, { tenantId: tenant, ids: [id] }, { limit: 10 }))[0] ?? null,
  ]) {
    await q('DELETE FROM attempts WHERE notification_id = $1 AND attempt_number = 2', [id]);
    await q('UPDATE notifications SET attempt_count = 1, cycle_attempts = 1, next_attempt_at = $2 WHERE id = $1', [id, firstNext]);
    beforeAttemptsRead = recordSecond;
    const seen = await read();
    expect(beforeAttemptsRead).toBeNull(); // the write did run between the statements
    const view = { attempts: seen?.attempts.map((a) => a.attemptNumber), next: seen?.nextAttemptAt?.toISOString() };
    expect([
      { attempts: [1], next: firstNext.toISOString() },
      { attempts: [1, 2], next: secondNext.toISOString() },
    ]).toContainEqual(view);
  }
});
