// Open-loop delivery latency: events published at a fixed rate to one
// webhook (receiver path `accept`), latency = arrival at the receiver - the
// moment the bench sent the event (`sent_at` in the event's resource). An
// event that was due but not delivered in time (not sent because
// MAX_INFLIGHT publishes were already waiting, unanswered, or not delivered
// within the drain time) counts as infinitely late, so a percentile that
// falls on one is null (= FAIL), never flattered.
import { setTimeout as sleep } from 'node:timers/promises';
import { P } from './options.mjs';
import { cpuDelta, cpuSnapshot, ourCores } from './cpu.mjs';
import { pgCommits } from './pg.mjs';
import { receiverLatencies, receiverReset, receiverStats } from './receiver-client.mjs';
import { percentile, round } from './stats.mjs';

const MAX_INFLIGHT = 512;

/**
 * `publish(event)` resolves an HTTP-like `{status, text}` (202 = accepted).
 * With `windowGraceMs`, deliveries that arrived by the end of sending + that
 * grace give `delivered_per_s` (per second of sending): the delivered
 * throughput the noisy phase compares.
 * Returns the figures of the latency phases (see bench/README.md).
 */
export async function openLoop({ tenant, accept, rate, seconds, publish, drainMaxS = P.drainMaxS, windowGraceMs = null }) {
  await receiverReset(accept);
  const total = Math.round(rate * seconds);
  const httpLat = [];
  let sent = 0;
  let accepted = 0;
  let failed = 0;
  let firstError;
  let skipped = 0; // not sent because MAX_INFLIGHT publishes were already waiting
  const inflight = new Set();
  const commits0 = await pgCommits();
  const cpu0 = cpuSnapshot();
  const start = performance.now();
  const hardStop = start + seconds * 1000 + 5_000;
  while (sent + skipped < total && performance.now() < hardStop) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
    while (sent + skipped < due) {
      if (inflight.size >= MAX_INFLIGHT) {
        skipped++;
        continue;
      }
      const i = sent++;
      const t = performance.now();
      const p = publish({ tenant, type: 'CARD.CREATED', resource: { seq: i, sent_at: Date.now() } })
        .then((r) => {
          if (r.status === 202) {
            accepted++;
            httpLat.push(performance.now() - t);
          } else {
            failed++;
            firstError ??= `HTTP ${r.status} ${r.text.slice(0, 200)}`;
          }
        })
        .catch((e) => {
          failed++;
          firstError ??= e.message;
        })
        .finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await sleep(2);
  }
  const sendSecs = (performance.now() - start) / 1000;
  let inWindow = null;
  if (windowGraceMs !== null) {
    await sleep(Math.max(0, start + sendSecs * 1000 + windowGraceMs - performance.now()));
    inWindow = (await receiverStats()).unique;
  }
  const drainDeadline = Date.now() + drainMaxS * 1000;
  await Promise.race([Promise.all(inflight), sleep(drainMaxS * 1000)]);
  const unanswered = inflight.size;
  // wait for the deliveries (bounded)
  let s = await receiverStats();
  while (s.unique < accepted + unanswered && Date.now() < drainDeadline) {
    await sleep(100);
    s = await receiverStats();
  }
  const cpu = cpuDelta(cpu0, cpuSnapshot());
  const windowS = (performance.now() - start) / 1000;
  const commits = (await pgCommits()) - commits0;
  const lat = (await receiverLatencies()).slice().sort((a, b) => a - b);
  const missing = Math.max(0, total - lat.length);
  const all = missing ? lat.concat(Array(missing).fill(Infinity)) : lat;
  httpLat.sort((a, b) => a - b);
  const pct = (p) => {
    const v = percentile(all, p);
    return v === Infinity ? null : round(v, 1);
  };
  return {
    rate_per_s: rate,
    achieved_send_rate_per_s: round(sent / sendSecs),
    sent,
    skipped_api_saturated: skipped,
    unanswered_http: unanswered,
    accepted,
    failed,
    first_error: firstError ?? null,
    delivered: s.unique,
    missing,
    ...(inWindow === null ? {} : { delivered_in_window: inWindow, delivered_per_s: round(inWindow / sendSecs, 1), window_grace_ms: windowGraceMs }),
    duplicates: s.duplicates,
    p50_ms: pct(50),
    p95_ms: pct(95),
    p99_ms: pct(99),
    max_ms: pct(100),
    // how long POST /v1/events (or publish()) took to answer
    http_response_p50_ms: round(percentile(httpLat, 50), 1),
    http_response_p99_ms: round(percentile(httpLat, 99), 1),
    // Postgres transactions per event delivered: how well statements are shared at this rate
    pg_commits_per_event: s.unique ? round(commits / s.unique, 2) : null,
    // CPU of the whole system under test (API, workers, receiver, load generator, Postgres, Redis) per event
    cpu_ms_per_event: s.unique ? round((ourCores(cpu) * windowS * 1000) / s.unique, 2) : null,
    cpu_cores: cpu,
  };
}
