// The bare floor: plain BullMQ + got, no database. Consumes prebuilt jobs
// `{ url, id, body }` from the BullMQ queue FLOOR_QUEUE (prefix QUEUE_PREFIX)
// and POSTs each body to its url with the same got settings Hookrelay's
// Deliverer uses (keep-alive agent, LIFO scheduling, no retries, no
// redirects, streamed response) plus a Standard-Webhooks HMAC signature, so
// the difference to Hookrelay is "Postgres + fan-out + bookkeeping".
// Started by bench/run.mjs with fork(); says {ready:true} over IPC.
import { createHmac } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Worker } from 'bullmq';
import got from 'got';
import { Redis } from 'ioredis';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = process.env.QUEUE_PREFIX;
const queueName = process.env.FLOOR_QUEUE ?? 'floor';
const concurrency = Number(process.env.WORKER_CONCURRENCY ?? 50);
const timeoutMs = Number(process.env.DELIVERY_TIMEOUT_MS ?? 15000);
if (!prefix) {
  console.error('floor-worker: QUEUE_PREFIX is required');
  process.exit(1);
}

const secret = Buffer.from('bench-floor-secret-0123456789abcdef');
const agent = new HttpAgent({ keepAlive: true, maxSockets: 256, scheduling: 'lifo' });
const client = got.extend({
  timeout: { request: timeoutMs },
  followRedirect: false,
  throwHttpErrors: false,
  retry: { limit: 0 },
  decompress: false,
  agent: { http: agent },
});

function post(url, body, headers) {
  return new Promise((resolve, reject) => {
    const stream = client.stream.post(url, { body, headers });
    let statusCode = 0;
    stream.on('response', (r) => (statusCode = r.statusCode));
    stream.on('data', () => {});
    stream.on('end', () => resolve(statusCode));
    stream.on('error', reject);
  });
}

const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const worker = new Worker(
  queueName,
  async (job) => {
    const { url, id, body } = job.data;
    const ts = Math.floor(Date.now() / 1000).toString();
    const sig = createHmac('sha256', secret).update(`${id}.${ts}.${body}`).digest('base64');
    const status = await post(url, body, {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': ts,
      'webhook-signature': `v1,${sig}`,
      'user-agent': 'Hookrelay-bench-floor/1',
    });
    if (status < 200 || status >= 300) throw new Error(`HTTP ${status}`);
    return status;
  },
  { connection, prefix, concurrency },
);
worker.on('error', (err) => console.error('floor-worker error', err.message));

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(1), 10_000).unref();
  await worker.close().catch(() => undefined);
  agent.destroy();
  await connection.quit().catch(() => connection.disconnect());
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);

await worker.waitUntilReady();
process.send?.({ ready: true });
