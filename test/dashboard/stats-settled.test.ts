/**
 * /v1/stats adds up a day of attempt rollups per webhook. The buckets that
 * take no more attempts (started over 75 minutes ago) are read once per
 * bucket and kept; the recent ones are read every time. Both parts, and the
 * window's edge, add up to the same figures as the rollup rows themselves.
 */
import pg from 'pg';
import { rollupBucket } from '@hookrelay/db';
import { StatsService } from '@hookrelay/api';
import { testDatabaseUrl } from '../support/env.js';
import { seedWebhookEvent } from '../support/seed.js';

let pool: pg.Pool;

beforeAll(() => {
  pool = new pg.Pool({ connectionString: testDatabaseUrl(), max: 2 });
});
afterAll(async () => {
  await pool.end();
});

/** a rollup row in the bucket `minutes` ago: `attempts` attempts, all but one succeeded, `ms` each */
async function rollup(tenant: string, webhook: string, minutes: number, shard: number, attempts: number, ms: number) {
  await pool.query(
    `INSERT INTO attempt_rollups (tenant_id, webhook_id, bucket, shard, attempts, succeeded, duration_ms_sum)
     VALUES ($1, $2, to_timestamp(floor(extract(epoch FROM now() - make_interval(mins => $3::int)) / 900) * 900), $4::int, $5::bigint, $5::bigint - 1, $5::bigint * $6::bigint)`,
    [tenant, webhook, minutes, shard, attempts, ms],
  );
}

test('settled and recent buckets add up to the window, and the settled sums are kept', async () => {
  const { tenant, webhookId } = await seedWebhookEvent(pool, 'settled');
  await rollup(tenant, webhookId, 25 * 60, 0, 1000, 1); // before the window: never counted
  await rollup(tenant, webhookId, 20 * 60, -1, 10, 100); // settled
  await rollup(tenant, webhookId, 3 * 60, 1, 20, 100); // settled
  await rollup(tenant, webhookId, 5, 2, 30, 400); // recent
  const stats = new StatsService(pool);
  const bucketAtStart = rollupBucket(Date.now()).getTime();
  const mine = async () => (await stats.forTenant(tenant)).webhooks.find((w) => w.webhookId === webhookId)!;

  const first = await mine();
  expect({ attempts: first.attempts, succeeded: first.succeededAttempts, avg: first.avgDurationMs }).toEqual({
    attempts: 60,
    succeeded: 57,
    avg: Math.round((10 * 100 + 20 * 100 + 30 * 400) / 60),
  });
  expect(first.successRate).toBeCloseTo(57 / 60);

  // a recent attempt shows at once
  await rollup(tenant, webhookId, 1, 3, 40, 100);
  const second = await mine();
  expect({ attempts: second.attempts, succeeded: second.succeededAttempts }).toEqual({ attempts: 100, succeeded: 96 });

  // a settled bucket takes no more attempts; one written there anyway (here, by hand) is not read again until the
  // window moves to the next bucket, which shows that the settled part is read once, not per request
  await rollup(tenant, webhookId, 4 * 60, 0, 5, 100);
  const kept = (await mine()).attempts;
  // (unless the clock crossed a bucket boundary during the test, when it is read afresh)
  expect(kept).toBe(rollupBucket(Date.now()).getTime() === bucketAtStart ? 100 : 105);
  expect((await new StatsService(pool).forTenant(tenant)).webhooks.find((w) => w.webhookId === webhookId)!.attempts).toBe(105);
});
