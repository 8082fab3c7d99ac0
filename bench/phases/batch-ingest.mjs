// Batch ingest, run with no worker process (issue 15): POST /v1/events:batch
// with BATCH_SIZE events per request and BATCH_IN_FLIGHT requests in flight,
// for httpIngestS. batch_ingest_per_s = events accepted (item status 202, or
// 200 for a duplicate) per second. A build without the route (404) reports
// `supported: false` and a null figure, shown as n/a.
import { BATCH_IN_FLIGHT, BATCH_SIZE, P } from '../harness/options.mjs';
import { api } from '../harness/http-client.mjs';
import { closedLoop } from '../harness/closed-loop.mjs';
import { cpuMsPer } from '../harness/cpu.mjs';
import { percentile, round } from '../harness/stats.mjs';
import { INGEST_TENANT } from './ingest.mjs';

const batchOf = (seq) => ({
  events: Array.from({ length: BATCH_SIZE }, (_, i) => ({ tenant: INGEST_TENANT, type: 'CARD.CREATED', resource: { card_id: `b_${seq}_${i}`, amount: 1234 } })),
});

async function send(seq) {
  const r = await api('POST', '/v1/events:batch', batchOf(seq));
  if (r.status !== 200 || !Array.isArray(r.body?.results)) return { accepted: 0, failed: BATCH_SIZE, error: `HTTP ${r.status} ${r.text.slice(0, 200)}` };
  let accepted = 0;
  let error;
  for (const item of r.body.results) {
    if (item.status === 202 || item.status === 200) accepted++;
    else error ??= `item ${item.index}: ${item.status} ${JSON.stringify(item.error ?? null).slice(0, 200)}`;
  }
  return { accepted, failed: BATCH_SIZE - accepted, error };
}

export async function phaseBatchIngest() {
  const probe = await api('POST', '/v1/events:batch', batchOf(0));
  if (probe.status === 404) return { per_s: null, supported: false, note: 'POST /v1/events:batch answered 404: not in this build' };
  const { accepted, failed, firstError, secs, lat, cpu } = await closedLoop({ seconds: P.httpIngestS, concurrency: BATCH_IN_FLIGHT, send });
  return {
    per_s: round(accepted / secs),
    supported: true,
    accepted,
    failed,
    first_error: firstError ?? null,
    seconds: round(secs, 1),
    batch_size: BATCH_SIZE,
    in_flight: BATCH_IN_FLIGHT,
    response_p50_ms: round(percentile(lat, 50), 1),
    response_p99_ms: round(percentile(lat, 99), 1),
    api_cpu_ms_per_event: cpuMsPer(cpu.api, accepted / secs),
    cpu_cores: cpu,
  };
}
