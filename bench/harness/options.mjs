// Command-line options, phase sizes and the run's identity (database,
// queue prefix, keys). Everything here is fixed once at start; every other
// module reads it from here.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const root = path.resolve(benchDir, '..');
export const resultsDir = path.join(benchDir, 'results');
export const logsDir = path.join(resultsDir, 'logs');

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const opt = (name, def) => {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : def;
};
const num = (name, def) => Number(opt(name, String(def)));

export const QUICK = flag('quick');
export const MODE = QUICK ? 'quick' : 'full';
export const WORKER_COUNTS = opt('workers', '1,2')
  .split(',')
  .map(Number)
  .filter((n) => n > 0 && n <= 16);
export const CONCURRENCY = num('concurrency', 50);
export const PROFILE = flag('profile');
// the tracing phase with both variants as shipped: its ratios then show the noise floor
export const TRACING_AA = flag('tracing-aa');
export const FLOOR = !flag('no-floor');

/**
 * Every phase, in the order the runner runs them. `tracing` and `noisy` are
 * not part of --quick unless --only names them; `scale` (bench/scale/, its
 * own databases and processes, long) runs only when --only names it.
 */
export const PHASES = ['ingest', 'latency', 'throughput', 'floor', 'tracing', 'noisy', 'scale'];
const NOT_QUICK = ['tracing', 'noisy'];
// --only=latency,throughput: run only those phases, e.g. to profile one
export const ONLY = opt('only', PHASES.filter((p) => p !== 'scale' && !(QUICK && NOT_QUICK.includes(p))).join(',')).split(',');
for (const p of ONLY) if (!PHASES.includes(p)) throw new Error(`--only: unknown phase "${p}" (phases: ${PHASES.join(', ')})`);
/** Whether a phase runs in this invocation. */
export const runs = (phase) => ONLY.includes(phase) && (phase !== 'floor' || FLOOR);

export const P = QUICK
  ? {
      httpIngestS: 5,
      sdkBatchEvents: 20_000,
      sdkSingleEvents: 10_000,
      sdkMaxS: 6,
      warmupS: 3,
      latencyS: 10,
      throughputS: 12,
      floorJobs: 20_000,
      floorMaxS: 12,
      drainMaxS: 15,
      tracingDeliverS: 12,
      tracingIngestS: 6,
    }
  : {
      httpIngestS: 15,
      sdkBatchEvents: 100_000,
      sdkSingleEvents: 40_000,
      sdkMaxS: 20,
      warmupS: 5,
      latencyS: 30,
      throughputS: 60,
      floorJobs: 100_000,
      floorMaxS: 60,
      drainMaxS: 60,
      tracingDeliverS: 30,
      tracingIngestS: 15,
    };
export const LATENCY_RATE = num('rate', 500); // events/s during the warm latency phase (the target is set at 500)
export const COLD_RATE = num('cold-rate', 200); // events/s of the cold latency phase (the target is set at 200)
export const FANOUT = 20; // webhooks on the throughput tenant
export const BACKLOG = 4000; // deliveries kept outstanding during the throughput phase
export const HTTP_CONCURRENCY = 64;
export const SDK_BATCH = 500;
export const SDK_CONCURRENCY = 64;
export const BATCH_SIZE = 100; // events per POST /v1/events:batch
export const BATCH_IN_FLIGHT = 8; // POST /v1/events:batch requests in flight

/** The noisy phase (issue 14); sizes can be reduced for a trial run. */
export const NOISY = {
  workers: num('noisy-workers', 1), // worker processes shared by the healthy tenant and the noise
  seconds: num('noisy-seconds', 30), // the quiet and the noisy half each
  noise: num('noise', 2000), // notifications waiting on each noisy endpoint (one slow, one dead)
  rate: num('noisy-rate', 200), // events/s of the healthy tenant
  drainMaxS: num('noisy-drain', 30), // how long a late healthy delivery may still arrive
  timeoutMs: 3000, // DELIVERY_TIMEOUT_MS of the noisy phase's workers
  slowMs: 5000, // the slow endpoint answers after this
};

export const RUN_ID = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
export const DB_NAME = `hookrelay_bench_${RUN_ID}`;
export const ADMIN_DB_URL = process.env.DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const DATABASE_URL = (() => {
  const u = new URL(ADMIN_DB_URL);
  u.pathname = `/${DB_NAME}`;
  return u.toString();
})();
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const QUEUE_PREFIX = `hrbench_${RUN_ID}`;
export const ADMIN_API_KEY = `bench_${randomBytes(16).toString('hex')}`;
export const SECRET_ENCRYPTION_KEY = randomBytes(32).toString('base64');

export const log = (...a) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);
