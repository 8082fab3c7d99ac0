// Bench receiver: a tiny node:http server on 127.0.0.1 that answers 200 at
// once and keeps counts + latencies. Started by bench/run.mjs with fork(), it
// reports over IPC:
//   parent -> {cmd:'reset', accept?: '/path-prefix', groups?: ['/a/', '/b/']} | {cmd:'stats', id} | {cmd:'latencies', id}
// `groups` (the tracing phase's two variants at once): stats.groups counts
// the unique deliveries under each of these path prefixes too.
//   child  -> {ready:true, port} | {id, stats} | {id, latencies}
// Latency = arrival time here - `sent_at` (ms epoch) found in the delivery's
// `resource` (Hookrelay sends resource as a JSON string) or top-level body.
//
// Noisy endpoints (the noisy phase), whatever the current prefix:
//   /slow/<ms>/...  answers 200 after <ms> (the socket stays open meanwhile)
//   /hang/...       never answers: the request is held until the client gives up
// They never count as deliveries; stats.noise counts them (not reset by reset).
import http from 'node:http';

const MAX_LATENCY_SAMPLES = 200_000;

let state;
function reset(accept = '', groups = []) {
  state = {
    accept,
    groups: new Map(groups.map((g) => [g, new Set()])),
    stray: 0,
    requests: 0,
    unique: new Set(),
    first: 0,
    last: 0,
    bytes: 0,
    badBodies: 0,
    missingHeaders: 0,
    latencies: [],
  };
}
reset();

function sentAtOf(body) {
  if (body.sent_at) return Number(body.sent_at);
  let r = body.resource;
  if (typeof r === 'string') {
    // cheap pre-check before parsing the nested JSON
    if (!r.includes('sent_at')) return 0;
    try {
      r = JSON.parse(r);
    } catch {
      return 0;
    }
  }
  return r && typeof r === 'object' && r.sent_at ? Number(r.sent_at) : 0;
}

const noise = { slow: 0, slow_answered: 0, hung: 0, open: 0 };

/** `/slow/<ms>/…` → {slowMs}, `/hang/…` → {hang: true}, else null. */
function noiseOf(url) {
  if (url.startsWith('/hang/')) return { hang: true };
  const m = /^\/slow\/(\d+)\//.exec(url);
  return m ? { slowMs: Number(m[1]) } : null;
}

function answerNoise(res, kind) {
  noise.open++;
  res.on('close', () => noise.open--);
  if (kind.hang) {
    noise.hung++;
    return; // held: the client's timeout ends it
  }
  noise.slow++;
  const t = setTimeout(() => {
    if (res.destroyed || res.writableEnded) return;
    noise.slow_answered++;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '0' });
    res.end();
  }, kind.slowMs);
  res.on('close', () => clearTimeout(t));
}

const server = http.createServer((req, res) => {
  const chunks = [];
  const kind = noiseOf(req.url);
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (kind) return answerNoise(res, kind);
    const now = Date.now();
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '0' });
    res.end();
    // only the current phase's path prefix counts; anything else is a stray from an earlier phase
    if (state.accept && !req.url.startsWith(state.accept)) {
      state.stray++;
      return;
    }
    state.requests++;
    if (!state.first) state.first = now;
    state.last = now;
    const raw = Buffer.concat(chunks);
    state.bytes += raw.length;
    const id = req.headers['webhook-id'];
    if (!id || !req.headers['webhook-timestamp']) state.missingHeaders++;
    let body;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      state.badBodies++;
      return;
    }
    state.unique.add(id ?? body.notification_id);
    for (const [prefix, set] of state.groups) if (req.url.startsWith(prefix)) set.add(id ?? body.notification_id);
    const sentAt = sentAtOf(body);
    if (sentAt && state.latencies.length < MAX_LATENCY_SAMPLES) state.latencies.push(now - sentAt);
  });
});
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;

function stats() {
  return {
    accept: state.accept,
    stray: state.stray,
    requests: state.requests,
    unique: state.unique.size,
    groups: Object.fromEntries([...state.groups].map(([g, set]) => [g, set.size])),
    duplicates: state.requests - state.unique.size,
    first: state.first,
    last: state.last,
    bytes: state.bytes,
    bad_bodies: state.badBodies,
    missing_headers: state.missingHeaders,
    latency_samples: state.latencies.length,
    noise: { ...noise },
  };
}

process.on('message', (msg) => {
  if (!msg || typeof msg !== 'object') return;
  if (msg.cmd === 'reset') {
    reset(msg.accept ?? '', msg.groups ?? []);
    process.send({ id: msg.id, ok: true });
  } else if (msg.cmd === 'stats') {
    process.send({ id: msg.id, stats: stats() });
  } else if (msg.cmd === 'latencies') {
    process.send({ id: msg.id, latencies: state.latencies });
  }
});
// the parent went away: do not linger
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  process.send({ ready: true, port: server.address().port });
});
