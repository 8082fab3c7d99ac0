// Floor phase, run with N floor workers after the Hookrelay workers have
// stopped: N processes of bench/floor-worker.mjs (same concurrency) consume
// a BullMQ queue of floorJobs prebuilt jobs `{url, id, body}` and POST each
// to the receiver (BullMQ + got, no database, no fan-out). Rate = unique
// deliveries / first-to-last arrival (time-bounded by floorMaxS).
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { CONCURRENCY, P, QUEUE_PREFIX, REDIS_URL, benchDir } from '../harness/options.mjs';
import { cpuDelta, cpuMsPer, cpuSnapshot, ourCores } from '../harness/cpu.mjs';
import { forkNode, stopChild, waitMessage } from '../harness/processes.mjs';
import { hook, receiverReset, receiverStats } from '../harness/receiver-client.mjs';
import { round } from '../harness/stats.mjs';

/** floorJobs jobs whose body is shaped like a Hookrelay callback, in chunks of 1,000. */
async function preload(q, url) {
  for (let done = 0; done < P.floorJobs; ) {
    const count = Math.min(1000, P.floorJobs - done);
    await q.addBulk(
      Array.from({ length: count }, (_, i) => {
        const id = randomUUID();
        const body = JSON.stringify({
          event_time: new Date().toISOString(),
          metadata: '{}',
          type: 'CARD.CREATED',
          url,
          webhook_id: '00000000-0000-4000-8000-000000000000',
          changed_fields: null,
          resource: JSON.stringify({ seq: done + i }),
          event_id: randomUUID(),
          notification_id: id,
        });
        return { name: 'deliver', data: { url, id, body }, opts: { jobId: id, removeOnComplete: true, removeOnFail: { count: 1000 } } };
      }),
    );
    done += count;
  }
}

export async function phaseFloor(n) {
  const queueName = 'floor';
  await receiverReset(`/floor-${n}w/`);
  const q = new Queue(queueName, { connection: { url: REDIS_URL }, prefix: QUEUE_PREFIX });
  const url = hook(`/floor-${n}w/`);
  try {
    const preloadStart = performance.now();
    await preload(q, url);
    const preloadS = (performance.now() - preloadStart) / 1000;
    const cpu0 = cpuSnapshot();
    const procs = [];
    for (let i = 0; i < n; i++) {
      procs.push(
        forkNode(`floor-${i}`, path.join(benchDir, 'floor-worker.mjs'), {
          REDIS_URL,
          QUEUE_PREFIX,
          FLOOR_QUEUE: queueName,
          WORKER_CONCURRENCY: String(CONCURRENCY),
        }),
      );
    }
    try {
      await Promise.all(procs.map((p) => waitMessage(p, (m) => m?.ready, 20_000, `${p.benchName} ready`)));
      const deadline = Date.now() + P.floorMaxS * 1000;
      let s = await receiverStats();
      while (s.unique < P.floorJobs && Date.now() < deadline) {
        await sleep(100);
        s = await receiverStats();
      }
      const cpu = cpuDelta(cpu0, cpuSnapshot());
      const secs = (s.last - s.first) / 1000;
      return {
        per_s: round(s.unique / secs),
        jobs: P.floorJobs,
        delivered: s.unique,
        complete: s.unique >= P.floorJobs,
        first_to_last_s: round(secs, 2),
        preload_s: round(preloadS, 2),
        worker_cpu_ms_per_delivery: cpuMsPer(cpu.floors, s.unique / secs),
        deliveries_per_stack_cpu_s: round(s.unique / secs / ourCores(cpu)),
        cpu_cores: cpu,
      };
    } finally {
      await Promise.all(procs.map((p) => stopChild(p)));
    }
  } finally {
    await q.obliterate({ force: true }).catch(() => undefined);
    await q.close();
  }
}
