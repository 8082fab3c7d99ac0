// Micro-benchmark for webhook filters at fan-out (issue 17): the fan-out
// statement (one INSERT ... SELECT per batch of events, FanOutStore) for a
// tenant with 100 webhooks, measured in rounds that alternate:
//   none   - no webhook has a filter
//   sql    - every webhook holds a 3-clause filter, evaluated inside the
//            statement by hookrelay_filter_matches (the fallback path; the
//            process's filter cache is bypassed)
//   code   - the same filters compiled in this process (FilterCache,
//            refreshed every 2 s as in production) and evaluated per event
//            in JS; the statement receives each event's matching webhooks
//            (what Hookrelay ships)
// Filters either all match (every webhook still gets a notification: the
// same rows are written, so only the filter cost differs) or about half do.
//   node bench/filter-fan-out.mjs [--events=2000] [--rounds=3] [--concurrency=64]
// Needs `pnpm build`. Creates and drops its own database; no Redis, no HTTP.
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const imp = (p) => import(pathToFileURL(path.join(root, p)).href);
const { migrateDatabase } = await imp('prisma/migrate.mjs');
const { FanOutStore } = await imp('packages/db/dist/index.js');

const arg = (n, d) => Number((process.argv.find((a) => a.startsWith(`--${n}=`)) ?? `=${d}`).split('=')[1]);
const EVENTS = arg('events', 2000);
const ROUNDS = arg('rounds', 3);
const CONC = arg('concurrency', 64);
const WEBHOOKS = 100;
const ADMIN = process.env.DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const name = `hookrelay_bench_filters_${randomBytes(4).toString('hex')}`;
const url = (() => {
  const u = new URL(ADMIN);
  u.pathname = `/${name}`;
  return u.toString();
})();

/** 3 clauses: equality, a range, a prefix. `threshold` decides whether it matches amount (0-99). */
const filterFor = (threshold) => ({ 'resource.status': 'paid', 'resource.amount': { $gte: threshold }, type: { $prefix: 'CARD.' } });

const admin = new pg.Client({ connectionString: ADMIN });
await admin.connect();
let pool;
const results = [];
try {
  await migrateDatabase(url);
  pool = new pg.Pool({ connectionString: url, max: 6 });
  const tenant = 'bench';
  await pool.query(`INSERT INTO tenants (id) VALUES ($1)`, [tenant]);
  const ids = [];
  for (let i = 0; i < WEBHOOKS; i++) {
    const id = randomUUID();
    ids.push(id);
    await pool.query(
      `INSERT INTO webhooks (id, tenant_id, url, enabled_events, is_enabled, metadata, secret, created_at, updated_at)
       VALUES ($1, $2, $3, $4, true, '{}', $5, now(), now())`,
      [id, tenant, `http://127.0.0.1:9/${i}`, ['CARD.*'], `whsec_${randomBytes(24).toString('base64')}`],
    );
  }
  const setFilters = async (mode) => {
    for (const [i, id] of ids.entries()) {
      const filter = mode === 'none' ? null : filterFor(mode === 'half' ? i : 0);
      await pool.query(`UPDATE webhooks SET filter = $2::jsonb, updated_at = now() WHERE id = $1`, [id, filter === null ? null : JSON.stringify(filter)]);
    }
  };
  const codeStore = new FanOutStore(pool);
  const sqlStore = new FanOutStore(pool);
  sqlStore.filters.plan = (events) => ({ ids: [], versions: [], allowed: events.map(() => []) });
  const event = (i) => ({
    id: randomUUID(),
    tenantId: tenant,
    type: 'CARD.CREATED',
    changedFields: null,
    eventTime: new Date(),
    idempotencyKey: null,
    resource: JSON.stringify({ id: `card_${i}`, status: 'paid', amount: i % 100, holder: { name: 'Ada Lovelace', country: 'GB' }, note: 'x'.repeat(120) }),
  });

  async function measure(label, submit) {
    let next = 0;
    let notifications = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONC }, async () => {
        while (next < EVENTS) {
          const result = await submit(event(next++));
          notifications += result?.notificationIds.length ?? 0;
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const r = {
      label,
      events_per_s: Math.round(EVENTS / secs),
      notifications_per_event: +(notifications / EVENTS).toFixed(1),
      node_cpu_ms_per_event: +((cpu.user + cpu.system) / 1000 / EVENTS).toFixed(3),
    };
    console.log(
      `${label.padEnd(34)} ${String(r.events_per_s).padStart(6)} events/s  ${String(r.notifications_per_event).padStart(5)} notif/event  ${r.node_cpu_ms_per_event.toFixed(3)} node CPU ms/event`,
    );
    results.push(r);
  }

  console.log(`${EVENTS} events per measurement, ${WEBHOOKS} webhooks, concurrency ${CONC}, ${ROUNDS} rounds`);
  await setFilters('none');
  for (let i = 0; i < 300; i++) await codeStore.fanOut(event(i)); // warm-up
  for (let round = 1; round <= ROUNDS; round++) {
    await setFilters('none');
    await measure(`r${round} none`, (e) => codeStore.fanOut(e));
    for (const match of ['all', 'half']) {
      await setFilters(match);
      await measure(`r${round} sql  (${match} match)`, (e) => sqlStore.fanOut(e));
      await codeStore.filters.warm(tenant);
      await measure(`r${round} code (${match} match)`, (e) => codeStore.fanOut(e));
    }
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const none = median(results.filter((r) => r.label.endsWith('none')).map((r) => r.events_per_s));
  console.log('\nmedian events/s (ratio to no filters):');
  for (const kind of ['none', 'sql  (all match)', 'code (all match)', 'sql  (half match)', 'code (half match)']) {
    const m = median(results.filter((r) => r.label.endsWith(kind)).map((r) => r.events_per_s));
    console.log(`  ${kind.padEnd(20)} ${String(m).padStart(6)}  ${(m / none).toFixed(2)}x`);
  }
} finally {
  await pool?.end();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
