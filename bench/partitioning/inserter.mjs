// Concurrent writes while history is removed: at a fixed rate, one
// statement that inserts an event, its notifications to 4 webhooks and one
// attempt each (what a fan-out and the first attempts write), into the
// plain tables or into the partitioned copy. Each insert's latency is kept
// with its start time, so that it can be put before or during a removal.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

const FANOUT = 4;

/** Into the plain tables (prefix null) or a partitioned copy (its attempts carry created_at). */
const sql = (prefix) => {
  const partitioned = Boolean(prefix);
  const [e, n, a] = ['events', 'notifications', 'attempts'].map((t) => (prefix ? `${prefix}_${t}` : t));
  return `
    WITH e AS (
      INSERT INTO ${e} (id, tenant_id, type, resource, event_time, created_at)
      VALUES (gen_random_uuid(), 'scale', 'CARD.CREATED', '{"id":"card_live"}', now(), now()) RETURNING id, created_at),
    n AS (
      INSERT INTO ${n} (id, tenant_id, event_id, webhook_id, type, status, attempt_count, cycle_attempts, last_status_code, created_at, updated_at, delivered_at)
      SELECT gen_random_uuid(), 'scale', e.id, w, 'CARD.CREATED', 'SUCCEEDED', 1, 1, 200, e.created_at, now(), now() FROM e, unnest($1::uuid[]) w
      RETURNING id, created_at)
    INSERT INTO ${a} (id, notification_id, attempt_number, attempted_at, duration_ms, status_code, response_body, trigger${partitioned ? ', created_at' : ''})
    SELECT gen_random_uuid(), n.id, 1, now(), 50, 200, 'ok', 'schedule'${partitioned ? ', n.created_at' : ''} FROM n`;
};

/** Starts inserting at `rate` per second; `stop()` resolves the samples `[{at, ms}]` and the errors. */
export async function startInserter(url, { prefix, rate, webhookIds }) {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  const text = sql(prefix);
  const samples = [];
  const inflight = new Set();
  let errors = 0;
  let firstError = null;
  let stopped = false;
  const start = performance.now();
  let sent = 0;
  const loop = (async () => {
    while (!stopped) {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      for (; sent < due; sent++) {
        const ws = Array.from({ length: FANOUT }, () => webhookIds[Math.floor(Math.random() * webhookIds.length)]);
        const at = Date.now();
        const t = performance.now();
        const p = pool
          .query(text, [[...new Set(ws)]])
          .then(() => samples.push({ at, ms: performance.now() - t }))
          .catch((e) => {
            errors++;
            firstError ??= e.message;
          })
          .finally(() => inflight.delete(p));
        inflight.add(p);
      }
      await sleep(2);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await Promise.all(inflight);
      await pool.end();
      return { samples, errors, firstError };
    },
  };
}
