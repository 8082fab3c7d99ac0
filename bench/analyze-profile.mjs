// Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. `pnpm bench --profile`):
// self time by function and by package, and inclusive time of a few frames.
//   node bench/analyze-profile.mjs bench/results/profiles/worker-1w-0-*.cpuprofile [--top=25] [--skip=S] [--components]
// --skip=S leaves out the first S seconds (start-up: module loading, compiling).
// --components (API profiles): busy time by part of the request path (COMPONENTS
// below), each sample given to the part of the frame nearest its leaf that
// names one; socket and stream frames say whose write or read they serve.
import fs from 'node:fs';

const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const top = Number((process.argv.find((a) => a.startsWith('--top=')) ?? '--top=25').slice(6));
const skipUs = Number((process.argv.find((a) => a.startsWith('--skip=')) ?? '--skip=0').slice(7)) * 1e6;
const components = process.argv.includes('--components');
if (!files.length) {
  console.error('usage: node bench/analyze-profile.mjs <file.cpuprofile>... [--top=N] [--skip=S] [--components]');
  process.exit(1);
}

/** [url pattern, part of the API's request path]; the first that matches a frame names it. */
const COMPONENTS = [
  [/joi\/|@hapi\//, 'joi (event, query)'],
  [/core\/dist\/validate\.js/, 'validate(): unsafe-value walk'],
  [/core\/dist\/event-size\.js/, 'event size (JSON.stringify)'],
  [/bullmq\/|msgpackr/, 'enqueue: BullMQ'],
  [/packages\/scheduling\//, 'enqueue: delivery queue, flow priorities'],
  [/ioredis\/|redis-parser|cluster-key-slot|denque|standard-as-callback/, 'Redis client (ioredis)'],
  [/\/pg\/|pg-pool|pg-protocol|pg-types|postgres-array|postgres-interval|postgres-date|postgres-bytea/, 'Postgres client (pg)'],
  [/core\/dist\/batcher\.js/, 'batcher'],
  [/packages\/db\//, 'fan-out store'],
  [/@prisma|\.prisma/, 'Prisma'],
  [
    /body-parser\/|raw-body\/|iconv-lite\/|type-is\/|content-type\/|media-typer|mime-types|mime-db|\/bytes\/|on-finished|unpipe|\/destroy\/|http-errors|\/debug\//,
    'body parser (express.json)',
  ],
  [/prom-client\/|tdigest|bintrees|middleware\/request-metrics\.js/, 'request metrics (prom-client)'],
  [/pino\/|sonic-boom|fast-redact|quick-format|thread-stream/, 'logging (pino)'],
  [/middleware\/request-logger\.js/, 'request logger'],
  [/middleware\/authenticate\.js|services\/auth\.js/, 'authenticate'],
  [/middleware\/portal-guard\.js/, 'portal guard'],
  [/middleware\/json-body\.js/, 'content-type check'],
  [/api\/dist\/mount-routes\.js|api\/dist\/route-definition|api\/dist\/routes\/|api\/dist\/context|api\/dist\/presenters/, 'route: input, tenant, reply'],
  [/api\/dist\//, 'other API middleware'],
  [/packages\/ingest\//, 'ingest service'],
  [/packages\/core\//, 'core (other)'],
  [/express\/lib\/response\.js|\/send\/|\/etag\/|\/vary\/|encodeurl|escape-html|statuses/, 'Express res.json/send'],
  [/\/router\/|path-to-regexp|parseurl/, 'Express router'],
  [/express\/|finalhandler|\/qs\//, 'Express (other)'],
  [/node:_http_outgoing/, 'node:http response'],
  [/node:_http_server|node:_http_incoming|node:_http_common/, 'node:http request'],
  [/node:net|node:internal\/stream_base|node:internal\/streams|node:stream/, 'socket/stream I/O'],
  [/node:internal\/crypto/, 'crypto'],
];
const TRANSPARENT = new Set(['socket/stream I/O', 'crypto']);

function pkgOf(url) {
  if (!url) return '(native/vm)';
  const m = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  const ws = /\/(packages|apps)\/([^/]+)\//.exec(url);
  if (ws) return `@hookrelay/${ws[2]}`;
  if (url.startsWith('node:')) return 'node-core';
  return url.replace(/^file:\/\//, '');
}

for (const file of files) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let at = prof.startTime;
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = prof.timeDeltas[i] ?? 0;
    at += dt;
    if (at - prof.startTime < skipUs) continue;
    self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + dt);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFn = new Map();
  const byPkg = new Map();
  let idle = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    const cf = n.callFrame;
    if (cf.functionName === '(idle)') idle += us;
    const key = `${cf.functionName || '(anonymous)'} ${pkgOf(cf.url)}:${cf.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    const pkg = cf.functionName.startsWith('(') ? cf.functionName : pkgOf(cf.url);
    byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us) => `${((100 * us) / busy).toFixed(1)}%`.padStart(7);
  console.log(
    `\n== ${file}\n   ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${((100 * busy) / total).toFixed(0)}%); shares below are of busy time`,
  );
  console.log('-- self time by package');
  for (const [k, v] of [...byPkg]
    .filter(([k]) => k !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15))
    console.log(`${pct(v)}  ${k}`);
  console.log('-- self time by function');
  for (const [k, v] of [...byFn]
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top))
    console.log(`${pct(v)}  ${k}`);
  // inclusive time per package entry point
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map();
  for (const [id, us] of self) {
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur).callFrame;
      const p = pkgOf(cf.url);
      if (!seen.has(p)) {
        seen.add(p);
        incl.set(p, (incl.get(p) ?? 0) + us);
      }
    }
  }
  console.log('-- inclusive time by package (any frame of it on the stack)');
  for (const [k, v] of [...incl]
    .filter(([k]) => !k.startsWith('('))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15))
    console.log(`${pct(v)}  ${k}`);
  if (components) {
    // the part nearest the leaf; a socket or crypto frame is named after the part that called it
    const partOf = (id) => {
      const fn = byId.get(id).callFrame.functionName;
      if (fn === '(garbage collector)' || fn === '(program)') return fn;
      let first = null;
      for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
        const url = byId.get(cur).callFrame.url;
        const part = url && COMPONENTS.find(([re]) => re.test(url))?.[1];
        if (!part) continue;
        if (!first) {
          first = part;
          if (!TRANSPARENT.has(part)) return part;
        } else if (!TRANSPARENT.has(part)) return `${first} <- ${part}`;
      }
      return first ?? 'node (other)';
    };
    const parts = new Map();
    for (const [id, us] of self) {
      if (byId.get(id).callFrame.functionName === '(idle)') continue;
      const part = partOf(id);
      parts.set(part, (parts.get(part) ?? 0) + us);
    }
    console.log('-- busy time by part of the request path (--components)');
    for (const [k, v] of [...parts].sort((a, b) => b[1] - a[1])) console.log(`${pct(v)}  ${k}`);
  }
}
