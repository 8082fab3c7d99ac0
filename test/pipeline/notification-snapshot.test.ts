/**
 * A notification and its attempts are read as of one moment. A Prisma
 * `include` loads them with two statements; this test records an attempt
 * just before the statement that reads attempts (a pg client that runs the
 * write first) and checks that the answer is the state before the write or
 * after it, never the attempts of after with the `next_attempt_at` of
 * before. The repository reads both in one statement, so there is no gap.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createDatabase, NotificationsRepository, type Database } from '@hookrelay/db';
import { testDatabaseUrl } from '../support/env.js';
import { seedWebhookEvent } from '../support/seed.js';

let database: Database;
let readerPool: pg.Pool;
/** run once, just before the next statement that reads attempts */
let beforeAttemptsRead: (() => Promise<void>) | null = null;

// pg's query has a dozen overloads: this wrapper takes and passes on any of them
class InterleavingClient extends pg.Client {
  override query(...args: any[]): any {
    const text: unknown = typeof args[0] === 'string' ? args[0] : args[0]?.text;
    const hook = beforeAttemptsRead;
    if (!hook || typeof text !== 'string' || !/\battempts\b/i.test(text)) return super.query(...(args as [string]));
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
});
afterAll(async () => {
  await readerPool.end();
  await database.close();
});

const q = (text: string, values: unknown[] = []) => database.pool.query(text, values);

test('an attempt recorded between the two statements of a read is in both or in neither', async () => {
  const { tenant, webhookId, eventId } = await seedWebhookEvent(database.pool, 'snap');
  const id = randomUUID();
  const base = Date.now() - 60_000;
  // attempt n is made at base + n s and, failed, names the next one 500 ms later
  const attemptAt = (n: number) => new Date(base + n * 1000);
  const nextAfter = (n: number) => new Date(base + n * 1000 + 500).toISOString();
  await q(
    `INSERT INTO notifications (id, tenant_id, event_id, webhook_id, type, status, attempt_count, cycle_attempts, next_attempt_at, updated_at)
     VALUES ($1, $2, $3, $4, 'CARD.CREATED', 'PENDING', 0, 0, now(), now())`,
    [id, tenant, eventId, webhookId],
  );
  // an attempt and its notification's side fields in one statement, as the state machine writes them together
  const record = async (n: number) => {
    await q(
      `WITH a AS (INSERT INTO attempts (id, notification_id, attempt_number, attempted_at, duration_ms, status_code, trigger)
                  VALUES ($1, $2, $3, $4, 5, 500, 'schedule'))
       UPDATE notifications SET attempt_count = $3, cycle_attempts = $3, next_attempt_at = $5, updated_at = now() WHERE id = $2`,
      [randomUUID(), id, n, attemptAt(n), nextAfter(n)],
    );
  };
  await record(1);
  let made = 1;

  const notifications = new NotificationsRepository();
  const reads = {
    get: () => notifications.findById(readerPool, tenant, id),
    search: async () => (await notifications.search(readerPool, { tenantId: tenant, ids: [id] }, { limit: 10 }))[0] ?? null,
  };
  // three rounds of each read, one write before each read's statement that reads attempts
  for (const writes of [1, 1, 1])
    for (const [name, read] of Object.entries(reads)) {
      let left = writes;
      const hook = async () => {
        await record(++made);
        if (--left > 0) beforeAttemptsRead = hook;
      };
      beforeAttemptsRead = hook;
      const seen = await read();
      expect({ name, writes, left }).toEqual({ name, writes, left: 0 }); // the write ran just before the statement that reads attempts
      const numbers = seen?.attempts.map((a) => a.attemptNumber) ?? [];
      const last = numbers[numbers.length - 1] ?? 0;
      expect({ name, writes, numbers, next: seen?.nextAttemptAt?.toISOString() }).toEqual({
        name,
        writes,
        numbers: Array.from({ length: last }, (_, i) => i + 1),
        next: nextAfter(last),
      });
    }
});
