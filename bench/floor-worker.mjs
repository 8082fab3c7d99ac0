// The bare floor: plain BullMQ + the Deliverer's own got client, no database.
// Consumes prebuilt jobs `{ url, id, body }` from the BullMQ queue FLOOR_QUEUE
// (prefix QUEUE_PREFIX) and POSTs each body to its url with the SAME client and
// settings Hookrelay's Deliverer uses (createDeliveryClient + postCapped from
// @hookrelay/delivery: one got.extend instance, keep-alive agents with the
// idle timeout, LIFO scheduling, no retries, no redirects, no decompression,
// response streamed and capped at 4 KiB, the total timeout) plus a
// Standard-Webhooks HMAC signature, so the difference to Hookrelay is
// "Postgres + fan-out + bookkeeping" and the floor does strictly less work.
// Started by bench/run.mjs with fork(); says {ready:true} over IPC. Needs
// `pnpm build` (it imports packages/delivery/dist).
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { createDeliveryClient, postCapped } = await import(pathToFileURL(path.join(root, 'packages/delivery/dist/index.js')).href);

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
// as the Hookrelay workers of the bench run (ALLOW_PRIVATE_DESTINATIONS=true: the receiver is on 127.0.0.1)
const client = createDeliveryClient({ timeoutMs, allowPrivateDestinations: true });

const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const worker = new Worker(
  queueName,
  async (job) => {
    const { url, id, body } = job.data;
    const ts = Math.floor(Date.now() / 1000).toString();
    const sig = createHmac('sha256', secret).update(`${id}.${ts}.${body}`).digest('base64');
    const { statusCode } = await postCapped(client, {
      url,
      body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': ts,
        'webhook-signature': `v1,${sig}`,
        'user-agent': 'Hookrelay-bench-floor/1',
      },
    });
    if (statusCode < 200 || statusCode >= 300) throw new Error(`HTTP ${statusCode}`);
    return statusCode;
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
  client.close();
  await connection.quit().catch(() => connection.disconnect());
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);

await worker.waitUntilReady();
process.send?.({ ready: true });
