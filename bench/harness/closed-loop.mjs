// Closed-loop load, used by the ingest phases (the API, the bare Express
// route, the batch route) so that all of them are driven alike.
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuDelta, cpuSnapshot } from './cpu.mjs';

/**
 * Closed loop of `concurrency` callers, each sending the next request as soon
 * as its last one is answered, for `seconds`. `send(seq)` resolves
 * `{accepted, failed, error?}` (counts of events); returns the totals, the
 * rate, response latencies and the CPU of every process group meanwhile.
 */
export async function closedLoop({ seconds, concurrency, send }) {
  const deadline = performance.now() + seconds * 1000;
  const lat = [];
  let accepted = 0;
  let failed = 0;
  let firstError;
  let seq = 0;
  const cpu0 = cpuSnapshot();
  const start = performance.now();
  async function loop() {
    while (performance.now() < deadline) {
      const t = performance.now();
      try {
        const r = await send(++seq);
        accepted += r.accepted;
        failed += r.failed;
        if (r.error) firstError ??= r.error;
        if (r.accepted) lat.push(performance.now() - t);
      } catch (e) {
        failed++;
        firstError ??= e.message;
        await sleep(10);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop));
  const secs = (performance.now() - start) / 1000;
  const cpu = cpuDelta(cpu0, cpuSnapshot());
  lat.sort((a, b) => a - b);
  return { accepted, failed, firstError, secs, lat, cpu };
}
