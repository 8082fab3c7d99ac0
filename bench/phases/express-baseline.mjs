// The bare Express baseline of the ingest figures (issue 15): bench/bare-
// express.mjs, its own process, serves POST /v1/events with only
// `express.json()` and a 202. It is driven exactly like the API's HTTP
// ingest (same client, same body, HTTP_CONCURRENCY, httpIngestS), in the
// same run, so that
//   ingest_cpu_ratio_vs_express  = API CPU ms per event / this route's CPU ms per request
//   http_ingest_ratio_vs_express = API events/s / this route's requests/s
import path from 'node:path';
import { HTTP_CONCURRENCY, P, benchDir } from '../harness/options.mjs';
import { closedLoop } from '../harness/closed-loop.mjs';
import { request } from '../harness/http-client.mjs';
import { forkNode, stopChild, waitMessage } from '../harness/processes.mjs';
import { percentile, round } from '../harness/stats.mjs';
import { INGEST_TENANT } from './ingest.mjs';

export async function phaseExpressBaseline() {
  const child = forkNode('express', path.join(benchDir, 'bare-express.mjs'), {});
  try {
    const { port } = await waitMessage(child, (m) => m?.ready, 10_000, 'bare Express ready');
    const send = async (seq) => {
      const r = await request(port, 'POST', '/v1/events', { tenant: INGEST_TENANT, type: 'CARD.CREATED', resource: { card_id: `c_${seq}`, amount: 1234 } });
      return r.status === 202 ? { accepted: 1, failed: 0 } : { accepted: 0, failed: 1, error: `HTTP ${r.status} ${r.text.slice(0, 200)}` };
    };
    // a short warm-up, as the API gets one before its ingest phase
    await closedLoop({ seconds: 1, concurrency: HTTP_CONCURRENCY, send });
    const { accepted, failed, firstError, secs, lat, cpu } = await closedLoop({ seconds: P.httpIngestS, concurrency: HTTP_CONCURRENCY, send });
    const perS = accepted / secs;
    return {
      per_s: round(perS),
      accepted,
      failed,
      first_error: firstError ?? null,
      seconds: round(secs, 1),
      concurrency: HTTP_CONCURRENCY,
      response_p50_ms: round(percentile(lat, 50), 1),
      response_p99_ms: round(percentile(lat, 99), 1),
      cpu_ms_per_request: cpu.express && perS ? round((cpu.express / perS) * 1000, 3) : null,
      cpu_cores: cpu,
    };
  } finally {
    await stopChild(child);
  }
}
