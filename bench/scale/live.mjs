// Live traffic on one side: ingest at a fixed rate (POST /v1/events, its
// response times) and a burst of deliveries (their throughput), alternated
// between the empty and the history database so that both see the same
// machine (ABBA: a drift of the machine's load favours neither side).
import { setTimeout as sleep } from 'node:timers/promises';
import { receiverLatencies, receiverReset, receiverStats } from '../harness/receiver-client.mjs';
import { percentile, round } from '../harness/stats.mjs';
import { LIVE_FANOUT, S, TENANT, TYPES, log } from './options.mjs';
import { call } from './stack.mjs';

const MAX_INFLIGHT = 256;
const BATCH = 100; // events per POST /v1/events:batch

/** Waits (bounded) until the receiver has `expected` unique deliveries; returns its stats. */
export async function waitDelivered(expected, maxMs) {
  const deadline = Date.now() + maxMs;
  let s = await receiverStats();
  while (s.unique < expected && Date.now() < deadline) {
    await sleep(100);
    s = await receiverStats();
  }
  return s;
}

/**
 * Sends `publish(seq)` at `rate` per second for `seconds` (open loop: a send
 * is not held back by a slow answer, up to MAX_INFLIGHT outstanding; past
 * that a send is skipped and counted). Returns response times and counts.
 */
export async function fixedRate({ rate, seconds, publish, shouldStop = () => false }) {
  const total = Math.round(rate * seconds);
  const lat = [];
  const inflight = new Set();
  let sent = 0;
  let skipped = 0;
  let accepted = 0;
  let failed = 0;
  let firstError = null;
  const start = performance.now();
  while (sent + skipped < total && !shouldStop()) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
    for (; sent + skipped < due; ) {
      if (inflight.size >= MAX_INFLIGHT) {
        skipped++;
        continue;
      }
      const seq = sent++;
      const t = performance.now();
      const p = publish(seq)
        .then((r) => {
          if (r.status === 202) {
            accepted++;
            lat.push(performance.now() - t);
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
  await Promise.all(inflight);
  return { lat, sent, skipped, accepted, failed, firstError, seconds: (performance.now() - start) / 1000 };
}

const event = (type, seq) => ({ tenant: TENANT, type, resource: { seq, sent_at: Date.now() } });

/** POST /v1/events at S.ingestRate for S.ingestSeconds, each event to one webhook; then waits for those deliveries. */
async function ingestWindow(side) {
  await receiverReset(`/in-${side.name}/`);
  const r = await fixedRate({ rate: S.ingestRate, seconds: S.ingestSeconds, publish: (seq) => call(side, 'POST', '/v1/events', event(TYPES.ingest, seq)) });
  const s = await waitDelivered(r.accepted, 30_000);
  const delivery = (await receiverLatencies()).slice().sort((a, b) => a - b);
  return { ...r, delivered: s.unique, delivery };
}

/** `deliveries` at once: events of LIVE_FANOUT deliveries each, published by POST /v1/events:batch; throughput at the receiver. */
async function burst(side, deliveries = S.deliveries) {
  await receiverReset(`/tp-${side.name}/`);
  const events = Math.ceil(deliveries / LIVE_FANOUT);
  const expected = events * LIVE_FANOUT;
  const t0 = Date.now();
  for (let i = 0; i < events; i += BATCH) {
    const n = Math.min(BATCH, events - i);
    const r = await call(side, 'POST', '/v1/events:batch', { events: Array.from({ length: n }, (_, j) => event(TYPES.burst, i + j)) });
    const refused = r.body?.results?.find((x) => x.status !== 202);
    if (r.status !== 200 || refused) throw new Error(`burst (${side.name}): HTTP ${r.status} ${JSON.stringify(refused ?? r.text).slice(0, 300)}`);
  }
  const published = Date.now() - t0;
  const s = await waitDelivered(expected, 120_000);
  return {
    expected,
    delivered: s.unique,
    duplicates: s.duplicates,
    publish_ms: published,
    per_s: round(s.unique / ((s.last - s.first) / 1000)),
    end_to_end_per_s: round(s.unique / ((s.last - t0) / 1000)),
  };
}

/**
 * A side's first requests (JIT, connections, caches) are not measured: an
 * ingest and a small burst first. 10 s of ingest, not 3: the history's
 * random-uuid indexes (400 MB and more each, 128 MB of shared_buffers) are
 * cold after the seed or a reuse, and the 09:51 run's first history round
 * after a 3 s warm-up had ingest p99 31.7 ms against 16.2 in its second
 * (empty: 15.7 and 16.9), which alone set the pooled p99.
 */
const WARMUP_INGEST_S = 10;
async function warmUp(side) {
  await receiverReset(`/in-${side.name}/`);
  const r = await fixedRate({
    rate: S.ingestRate,
    seconds: WARMUP_INGEST_S,
    publish: (seq) => call(side, 'POST', '/v1/events', event(TYPES.ingest, seq)),
  });
  log(
    `warm-up, ${side.name.padEnd(7)}: ingest p99 ${round(
      percentile(
        r.lat.slice().sort((x, y) => x - y),
        99,
      ),
      1,
    )} ms (not a figure)`,
  );
  await waitDelivered(r.accepted, 30_000);
  await burst(side, 500);
}

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** Each round: ingest then burst on each side, the order swapped every round. Returns per side figures and the ratios. */
export async function compareSides(sides) {
  const by = Object.fromEntries(sides.map((s) => [s.name, { rounds: [], ingestLat: [], deliveryLat: [] }]));
  for (const side of sides) await warmUp(side);
  for (let r = 0; r < S.rounds; r++) {
    const order = r % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const ing = await ingestWindow(side);
      const b = await burst(side);
      const acc = by[side.name];
      acc.ingestLat.push(...ing.lat);
      acc.deliveryLat.push(...ing.delivery);
      const roundFigures = {
        round: r + 1,
        ingest_accepted: ing.accepted,
        ingest_failed: ing.failed,
        ingest_skipped: ing.skipped,
        ingest_first_error: ing.firstError,
        ingest_p99_ms: round(
          percentile(
            ing.lat.slice().sort((x, y) => x - y),
            99,
          ),
          1,
        ),
        ingest_delivered: ing.delivered,
        burst: b,
      };
      acc.rounds.push(roundFigures);
      log(
        `round ${r + 1}, ${side.name.padEnd(7)}: ingest p99 ${roundFigures.ingest_p99_ms} ms (${ing.accepted}/${ing.sent} accepted${ing.skipped ? `, ${ing.skipped} skipped` : ''}${ing.firstError ? `, first error ${ing.firstError}` : ''}); burst ${b.delivered}/${b.expected} at ${b.per_s}/s`,
      );
    }
  }
  const out = {};
  for (const [name, acc] of Object.entries(by)) {
    acc.ingestLat.sort((a, b) => a - b);
    acc.deliveryLat.sort((a, b) => a - b);
    out[name] = {
      deliveries_per_s: round(mean(acc.rounds.map((x) => x.burst.per_s))),
      ingest_p50_ms: round(percentile(acc.ingestLat, 50), 1),
      ingest_p99_ms: round(percentile(acc.ingestLat, 99), 1),
      ingest_delivery_p50_ms: round(percentile(acc.deliveryLat, 50), 1),
      ingest_delivery_p99_ms: round(percentile(acc.deliveryLat, 99), 1),
      rounds: acc.rounds,
    };
  }
  const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? round(a / b, 3) : null);
  out.throughput_ratio = ratio(out.history.deliveries_per_s, out.empty.deliveries_per_s);
  out.ingest_p99_ratio = ratio(out.history.ingest_p99_ms, out.empty.ingest_p99_ms);
  return out;
}
