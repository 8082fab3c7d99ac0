#!/usr/bin/env node
// What got costs per delivery POST, against bare node:http, with client and
// server in ONE process (so the CPU per POST includes the server's share;
// compare the rows with each other, not with `pnpm bench`): 50 concurrent
// requests on a keep-alive agent, a callback-sized JSON body, a 2-byte answer.
//   node bench/got-overhead.mjs [--requests=20000] [--rounds=3]
// Needs `pnpm build` (it uses packages/delivery/dist: the Deliverer's own got
// client). Each variant runs once per round, rounds interleaved; the table
// gives the median CPU ms per POST over the rounds.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { createDeliveryClient, postCapped } = await import(pathToFileURL(path.join(root, 'packages/delivery/dist/index.js')).href);
const got = (await import(pathToFileURL(path.join(root, 'packages/delivery/node_modules/got/dist/source/index.js')).href)).default;

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const N = arg('requests', 20_000);
const ROUNDS = arg('rounds', 3);
const CONCURRENCY = 50;

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('ok'));
});
server.keepAliveTimeout = 65_000;
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/hook`;
const body = JSON.stringify({
  event_time: new Date().toISOString(),
  metadata: '{}',
  type: 'CARD.CREATED',
  url,
  webhook_id: randomUUID(),
  changed_fields: null,
  resource: JSON.stringify({ id: 'card_1', amount: 1234 }),
  event_id: randomUUID(),
  notification_id: randomUUID(),
});
const headers = () => ({
  'content-type': 'application/json',
  'user-agent': 'Hookrelay/0.1',
  'webhook-id': randomUUID(),
  'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
  'webhook-signature': 'v1,abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG=',
});

const agentOptions = { keepAlive: true, maxSockets: 256, scheduling: 'lifo', timeout: 4000 };
const bareAgent = new http.Agent(agentOptions);
function bare() {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(body);
    const req = http.request(url, { method: 'POST', agent: bareAgent, headers: { ...headers(), 'content-length': String(payload.length) } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

// the Deliverer's client exactly (stream API, 4 KiB cap)
const delivery = createDeliveryClient({ timeoutMs: 15_000, allowPrivateDestinations: true });
// the same settings, other ways of calling got
const base = {
  timeout: { request: 15_000 },
  retry: { limit: 0 },
  followRedirect: false,
  decompress: false,
  throwHttpErrors: false,
  enableUnixSockets: false,
  http2: false,
};
const variants = {
  'node:http (bare)': bare,
  'got stream, Deliverer client': () => postCapped(delivery, { url, body, headers: headers() }),
  'got promise API, same settings': (() => {
    const c = got.extend({ ...base, agent: { http: new http.Agent(agentOptions) } });
    return () => c.post(url, { body, headers: headers() });
  })(),
  'got stream, no request timeout': (() => {
    const c = createDeliveryClient({ timeoutMs: 15_000, allowPrivateDestinations: true });
    c.got = c.got.extend({ timeout: { request: undefined } });
    return () => postCapped(c, { url, body, headers: headers() });
  })(),
  'got stream, pre-parsed URL': (() => {
    const parsed = new URL(url);
    return () => postCapped(delivery, { url: parsed, body, headers: headers() });
  })(),
  'got stream, dnsCache+cache off, context {}': (() => {
    const c = createDeliveryClient({ timeoutMs: 15_000, allowPrivateDestinations: true });
    c.got = c.got.extend({ dnsCache: false, cache: false, context: {} });
    return () => postCapped(c, { url, body, headers: headers() });
  })(),
  'got stream, Buffer body': (() => {
    const payload = Buffer.from(body);
    return () =>
      new Promise((resolve, reject) => {
        const s = delivery.got.stream.post(url, { body: payload, headers: headers() });
        s.on('data', () => {});
        s.on('end', resolve);
        s.on('error', reject);
      });
  })(),
};

async function measure(fn) {
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < N) await fn();
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { cpuMs: (cpu.user + cpu.system) / 1000 / N, perS: N / ((performance.now() - t0) / 1000) };
}

const results = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (const fn of Object.values(variants)) for (let i = 0; i < 2000; i++) await fn(); // warm up
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn] of Object.entries(variants)) results[name].push(await measure(fn));
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bareMs = median(results['node:http (bare)'].map((r) => r.cpuMs));
console.log(`${N} POSTs x ${ROUNDS} rounds, ${CONCURRENCY} concurrent, keep-alive, client and server in one process (node ${process.version})`);
console.log(`${'variant'.padEnd(44)} ${'CPU ms/POST'.padStart(12)} ${'x bare'.padStart(7)} ${'POST/s'.padStart(8)}   (rounds: CPU ms/POST)`);
for (const [name, rs] of Object.entries(results)) {
  const ms = median(rs.map((r) => r.cpuMs));
  console.log(
    `${name.padEnd(44)} ${ms.toFixed(3).padStart(12)} ${(ms / bareMs).toFixed(2).padStart(7)} ${String(Math.round(median(rs.map((r) => r.perS)))).padStart(8)}   (${rs.map((r) => r.cpuMs.toFixed(3)).join(', ')})`,
  );
}
delivery.close();
server.close();
process.exit(0);
