// Options of the scale phase (`pnpm bench --only=scale` or `node
// bench/scale.mjs`), the run's databases and queue prefixes. Fixed at start.
import { randomBytes } from 'node:crypto';
import { ADMIN_DB_URL, RUN_ID } from '../harness/options.mjs';

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : String(def);
};
const num = (name, def) => {
  const v = Number(opt(name, def));
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name}: not a number`);
  return v;
};

const notifications = num('notifications', 10_000_000);
const webhooks = num('webhooks', 100);
const fanout = Math.max(1, Math.min(webhooks, num('fanout', 4)));

export const S = {
  notifications,
  webhooks,
  fanout,
  events: Math.ceil(notifications / fanout),
  /** history spread over this many days, oldest first */
  historyDays: 30,
  readers: num('readers', 8),
  requests: num('requests', 400),
  /** empty/history measurements, alternated ABBA (round 1: empty then history, round 2: history then empty, ...) */
  rounds: Math.max(1, num('rounds', 2)),
  /** deliveries of one throughput burst (events of LIVE_FANOUT deliveries each, through POST /v1/events:batch) */
  deliveries: num('deliveries', 3000),
  ingestRate: num('ingest-rate', 100),
  ingestSeconds: num('ingest-seconds', 20),
  /** the sweep deletes what is older than this: 20 of 30 days keeps two thirds */
  retentionDays: num('retention-days', 20),
  /** delivery latency before and during the sweep: events/s and the length of the "before" window */
  sweepRate: num('sweep-rate', 50),
  beforeSeconds: num('before-seconds', 20),
  sweepMaxSeconds: num('sweep-max-seconds', 3600),
  /** disk estimate per seeded notification (its events and attempts included; measured ~700 B, with margin) */
  bytesPerNotification: num('bytes-per-notification', 900),
  /** rebuild: secondary indexes are dropped before seeding and built after (much faster at 10 M); keep: inserted into as they go */
  seedIndexes: opt('seed-indexes', 'rebuild'),
  skipDiskCheck: argv.includes('--skip-disk-check'),
  keep: argv.includes('--keep'),
  /** stop after the reads: no empty side, no comparison, no sweep (with --keep the history stays as seeded) */
  readsOnly: argv.includes('--reads-only'),
  /** no retention sweep (the history stays as seeded, to measure again with --reuse) */
  noSweep: argv.includes('--no-sweep'),
  /** an existing history database (kept by an earlier --keep run) to use instead of seeding one; it is never dropped */
  reuse: opt('reuse', '') || null,
};

if (!['rebuild', 'keep'].includes(S.seedIndexes)) throw new Error('--seed-indexes: rebuild or keep');

export const TENANT = 'scale';
/** webhooks of the live traffic: throughput bursts fan out to LIVE_FANOUT of them */
export const LIVE_FANOUT = 10;
export const TYPES = { burst: 'DISPUTE.CREATED', ingest: 'DISPUTE.UPDATED', sweep: 'DOCUMENT.CREATED' };

const suffix = `${RUN_ID.slice(-6)}${randomBytes(2).toString('hex')}`;
const dbUrl = (name) => {
  const u = new URL(ADMIN_DB_URL);
  u.pathname = `/${name}`;
  return u.toString();
};
/** the two databases of the comparison; each side has its own API, worker and queue prefix */
export const SIDES = {
  empty: { name: 'empty', db: `hookrelay_scale_${suffix}_empty`, prefix: `hrscale_${suffix}_e` },
  history: { name: 'history', db: S.reuse ?? `hookrelay_scale_${suffix}`, prefix: `hrscale_${suffix}_h` },
};
for (const side of Object.values(SIDES)) side.url = dbUrl(side.db);

export const log = (...a) => console.log(`[scale ${new Date().toISOString().slice(11, 19)}]`, ...a);
