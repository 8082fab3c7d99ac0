// Throughput phase, run with N workers: closed loop for throughputS. Events
// are published with the SDK (publishBatch) to a tenant with FANOUT
// webhooks, keeping ~BACKLOG deliveries outstanding; then feeding stops and
// the bench waits (bounded) for the rest. deliveries_per_s = unique
// deliveries at the receiver / time from the first to the last delivery
// (fan-out included: end to end). Postgres status counts cross-check it.
// The CPU of each process group over the steady window feeds the capacity
// model (harness/capacity.mjs), with the WAL and commits per delivery.
import { setTimeout as sleep } from 'node:timers/promises';
import { BACKLOG, FANOUT, P, QUEUE_PREFIX, REDIS_URL } from '../harness/options.mjs';
import { cpuDelta, cpuMsPer, cpuSnapshot, ourCores } from '../harness/cpu.mjs';
import { pgWrites, statusCounts } from '../harness/pg.mjs';
import { receiverReset, receiverStats } from '../harness/receiver-client.mjs';
import { round } from '../harness/stats.mjs';

export const throughputTenant = (tag) => `bench-fanout-${tag}`;

export async function phaseThroughput(createProducer, tag) {
  const tenant = throughputTenant(tag);
  await receiverReset(`/fan-${tag}/`);
  const producer = createProducer({ redisUrl: REDIS_URL, queuePrefix: QUEUE_PREFIX });
  let published = 0;
  const samples = [];
  const writes0 = await pgWrites();
  const cpu0 = cpuSnapshot();
  const start = Date.now();
  const feedUntil = start + P.throughputS * 1000;
  let s = await receiverStats();
  let cpuSteady0;
  let cpuSteady1;
  try {
    while (Date.now() < feedUntil) {
      s = await receiverStats();
      samples.push({ t: Date.now(), unique: s.unique });
      if (!cpuSteady0 && Date.now() - start >= 3000) cpuSteady0 = cpuSnapshot();
      const outstanding = published * FANOUT - s.unique;
      if (outstanding < BACKLOG) {
        const n = Math.ceil((BACKLOG - outstanding) / FANOUT);
        await producer.publishBatch(Array.from({ length: n }, (_, i) => ({ tenant, type: 'CARD.CREATED', resource: { seq: published + i } })));
        published += n;
      }
      await sleep(50);
    }
    cpuSteady1 = cpuSnapshot();
  } finally {
    await producer.close();
  }
  const expected = published * FANOUT;
  const drainDeadline = Date.now() + P.drainMaxS * 1000;
  while (s.unique < expected && Date.now() < drainDeadline) {
    await sleep(100);
    s = await receiverStats();
  }
  const cpu = cpuDelta(cpu0, cpuSnapshot());
  const writes1 = await pgWrites();
  const firstToLast = (s.last - s.first) / 1000;
  // steady state: from 3 s after the start to the end of feeding
  const warm = samples.find((x) => x.t - start >= 3000);
  const end = samples[samples.length - 1];
  const steady = warm && end && end.t > warm.t ? (end.unique - warm.unique) / ((end.t - warm.t) / 1000) : null;
  const dbStatusCounts = await statusCounts(tenant);
  return {
    per_s: round(s.unique / firstToLast),
    steady_per_s: round(steady),
    events_published: published,
    expected_deliveries: expected,
    delivered: s.unique,
    duplicates: s.duplicates,
    stray: s.stray,
    complete: s.unique >= expected,
    first_to_last_s: round(firstToLast, 2),
    fanout: FANOUT,
    backlog: BACKLOG,
    db_status_counts: dbStatusCounts,
    worker_cpu_ms_per_delivery: cpuMsPer(cpu.workers, s.unique / ((Date.now() - start) / 1000)),
    postgres_cpu_ms_per_delivery: cpuMsPer(cpu.postgres, s.unique / ((Date.now() - start) / 1000)),
    pg_commits_per_delivery: round((writes1.commits - writes0.commits) / s.unique, 3),
    pg_wal_bytes_per_delivery: round((writes1.walBytes - writes0.walBytes) / s.unique),
    deliveries_per_stack_cpu_s: round(s.unique / ((Date.now() - start) / 1000) / ourCores(cpu)),
    cpu_cores_total: cpu,
    cpu_cores_steady: cpuSteady0 && cpuSteady1 ? cpuDelta(cpuSteady0, cpuSteady1) : null,
  };
}
