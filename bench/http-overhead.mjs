#!/usr/bin/env node
// How much of HTTP ingest is the HTTP stack itself. In one process (server and
// client share the CPU, so compare the rows with each other, not with `pnpm
// bench`): CPU per request of bare node:http, of bare Express, of the
// Hookrelay API's GET /healthz (all middleware, no work) and of its
// POST /v1/events (one webhook: fan-out statement + enqueue).
//   node bench/http-overhead.mjs [--requests=5000]
// Needs `pnpm build`, PostgreSQL and Redis (DATABASE_ADMIN_URL, REDIS_URL); it
// creates and drops its own database and deletes its queue keys.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { Redis } from 'ioredis';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const load = (p) => import(pathToFileURL(path.join(root, p)).href);
const express = createRequire(path.join(root, 'packages/api/package.json'))('express');
const N = Number(process.argv.find((a) => a.startsWith('--requests='))?.split('=')[1] ?? 5000);
const CONCURRENCY = 32;
const ADMIN = 'http-overhead-admin-key';

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function call(port, method, urlPath, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers = { authorization: `Bearer ${ADMIN}`, ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) };
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode < 400 ? resolve(res.statusCode) : reject(new Error(`${method} ${urlPath}: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function measure(label, fn) {
  for (let i = 0; i < 300; i++) await fn(i);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) await fn(next++);
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const row = { label, per_s: Math.round(N / ((performance.now() - t0) / 1000)), cpu_ms_per_request: +((cpu.user + cpu.system) / 1000 / N).toFixed(3) };
  console.log(`${label.padEnd(34)} ${String(row.per_s).padStart(6)}/s  ${row.cpu_ms_per_request.toFixed(3)} CPU ms/request`);
  return row;
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

const rows = [];
const bare = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
  });
});
const barePort = await listen(bare);
rows.push(await measure('node:http, empty handler', () => call(barePort, 'GET', '/healthz')));
bare.close();

const app = express();
app.get('/healthz', (_req, res) => res.json({ status: 'ok' }));
const expressServer = http.createServer(app);
const expressPort = await listen(expressServer);
rows.push(await measure('express, one route', () => call(expressPort, 'GET', '/healthz')));
expressServer.close();

const dbName = `hookrelay_http_overhead_${randomBytes(4).toString('hex')}`;
const adminUrl = process.env.DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `hroverhead_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const dbUrl = new URL(adminUrl);
dbUrl.pathname = `/${dbName}`;
try {
  await (await load('prisma/migrate.mjs')).migrateDatabase(dbUrl.toString());
  const { createLogger, loadConfig } = await load('packages/core/dist/index.js');
  const { startApiRuntime } = await load('packages/api/dist/index.js');
  const config = loadConfig({
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    ADMIN_API_KEY: ADMIN,
    PORT: '0',
    ALLOW_PRIVATE_DESTINATIONS: 'true',
    LOG_LEVEL: 'warn',
  });
  const api = await startApiRuntime(config, createLogger({ level: 'error', name: 'api' }));
  const port = Number(new URL(api.url).port);
  await call(port, 'POST', '/v1/webhooks', { tenant: 'bench', url: 'http://127.0.0.1:9/hook', enabled_events: ['CARD.CREATED'], is_enabled: true });
  rows.push(await measure('hookrelay GET /healthz', () => call(port, 'GET', '/healthz')));
  rows.push(
    await measure('hookrelay POST /v1/events', (i) =>
      call(port, 'POST', '/v1/events', { tenant: 'bench', type: 'CARD.CREATED', resource: { card_id: `c_${i}`, amount: 1234 } }),
    ),
  );
  await api.stop();
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
}
const base = rows[0].cpu_ms_per_request;
console.log('\nCPU per request relative to bare node:http:', rows.map((r) => `${r.label} ×${(r.cpu_ms_per_request / base).toFixed(1)}`).join(', '));
process.exit(0);
