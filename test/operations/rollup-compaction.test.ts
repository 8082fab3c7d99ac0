/**
 * The sweep's rollup pruning (RetentionStore.pruneRollups): buckets older
 * than 48 h go; buckets closed for over an hour have their shards folded
 * into one row (shard -1) with the same sums, so /v1/stats reads one row
 * per webhook and bucket instead of up to four; current buckets and other
 * tenants' sums stay as they were.
 */
import pg from 'pg';
import { RetentionStore } from '@hookrelay/db';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/isolated-db.js';

let isolated: IsolatedDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  isolated = await createIsolatedDatabase('rollups');
  pool = new pg.Pool({ connectionString: isolated.url, max: 2 });
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await isolated?.drop();
});

const W1 = '00000000-0000-4000-8000-000000000001';
const W2 = '00000000-0000-4000-8000-000000000002';

/** bucket start `hours` ago, on the trigger's 15-minute grid */
const bucket = (hours: number) => `to_timestamp(floor(extract(epoch FROM now() - interval '${hours} hours') / 900) * 900)`;

async function add(tenant: string, webhook: string, hours: number, shard: number, attempts: number) {
  await pool.query(
    `INSERT INTO attempt_rollups (tenant_id, webhook_id, bucket, shard, attempts, succeeded, duration_ms_sum)
     VALUES ($1, $2, ${bucket(hours)}, $3, $4::bigint, $4::bigint - 1, $4::bigint * 100)`,
    [tenant, webhook, shard, attempts],
  );
}

/** per (tenant, webhook, hours-ago bucket): rows, and the sums /v1/stats reads */
async function rollups() {
  const { rows } = await pool.query<{ k: string; rows: number; attempts: string; succeeded: string; duration: string }>(
    `SELECT tenant_id || ' ' || webhook_id || ' ' || round(extract(epoch FROM now() - bucket) / 3600) AS k,
            count(*)::int AS rows, sum(attempts) AS attempts, sum(succeeded) AS succeeded, sum(duration_ms_sum) AS duration
     FROM attempt_rollups GROUP BY 1 ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.k, { rows: r.rows, sums: [Number(r.attempts), Number(r.succeeded), Number(r.duration)] }]));
}

test('drops buckets past 48 h and folds the shards of closed buckets into one row, sums unchanged', async () => {
  for (const tenant of ['a', 'b']) {
    for (const shard of [0, 1, 2, 3]) {
      await add(tenant, W1, 3, shard, 10 + shard); // closed: folded
      await add(tenant, W2, 3, shard, 20 + shard);
      await add(tenant, W1, 0, shard, 30 + shard); // current: kept as it is
      await add(tenant, W1, 50, shard, 40); // past 48 h: dropped
    }
    await add(tenant, W1, 3, -1, 7); // a backfill baseline already in shard -1
    await add(tenant, W1, 24, 2, 5); // one shard only
  }
  const before = await rollups();

  const store = new RetentionStore(pool);
  expect(await store.pruneRollups()).toBe(8);
  const after = await rollups();

  const expected = Object.fromEntries(
    Object.entries(before)
      .filter(([k]) => !k.endsWith(' 50'))
      .map(([k, v]) => [k, { rows: k.endsWith(' 0') ? v.rows : 1, sums: v.sums }]),
  );
  expect(after).toEqual(expected);
  expect(after[`a ${W1} 3`]).toEqual({ rows: 1, sums: [46 + 7, 42 + 6, 4600 + 700] });
  const { rows } = await pool.query(`SELECT DISTINCT shard FROM attempt_rollups WHERE bucket < now() - interval '2 hours' ORDER BY shard`);
  expect(rows).toEqual([{ shard: -1 }]);

  // a second sweep finds nothing more to fold
  expect(await store.pruneRollups()).toBe(0);
  expect(await rollups()).toEqual(expected);
});
