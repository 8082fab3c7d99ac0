/**
 * GET /v1/stats for one tenant, asked by several readers at once (dashboard
 * tabs, operators), costs one read of Postgres at a time: requests that
 * arrive while the tenant's read runs share it. The sums of the window's
 * settled buckets are read once and kept. Statements counted on the way to
 * a real Postgres.
 */
import pg from 'pg';
import { StatsService } from '@hookrelay/api';
import { testDatabaseUrl, uniqueTenant } from '../support/env.js';

let pool: pg.Pool;
let statements = 0;
// the pool as StatsService sees it, counting the statements that read counters or rollups
const db = {
  query: ((config: pg.QueryConfig) => {
    if (config.text.includes('notification_counters') || config.text.includes('attempt_rollups')) statements++;
    return pool.query(config);
  }) as pg.Pool['query'],
};

beforeAll(() => {
  pool = new pg.Pool({ connectionString: testDatabaseUrl(), max: 4 });
});
afterAll(() => pool.end());

test('concurrent reads of one tenant share one read; the next read after it is a fresh one', async () => {
  const stats = new StatsService(db);
  const tenant = uniqueTenant('coalesce');
  const [first, ...others] = await Promise.all(Array.from({ length: 8 }, () => stats.forTenant(tenant)));
  const shared = statements;
  // counters, the live buckets, the settled ones
  expect(shared).toBe(3);
  for (const other of others) expect(other).toBe(first);

  const again = await stats.forTenant(tenant);
  expect(again).not.toBe(first);
  // the settled buckets' sums were kept
  expect(statements).toBe(shared + 2);
  // another tenant is never answered with this one's read
  const elsewhere = await Promise.all([stats.forTenant(tenant), stats.forTenant(uniqueTenant('other'))]);
  expect(elsewhere[1].tenant).not.toBe(tenant);
});
