/**
 * Secrets never reach the logs: the API and the worker log at trace level
 * into a captured stream while keys are created, webhooks created, rotated,
 * pinged and delivered to; no webhook secret, API key or admin key appears.
 */
import { Writable } from 'node:stream';
import { createLogger } from '@hookrelay/core';
import { startApiRuntime, type ApiRuntime } from '@hookrelay/api';
import { startWorkerRuntime, type WorkerRuntime } from '@hookrelay/worker';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { ADMIN_KEY, testConfig, until } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';

let api: ApiRuntime;
let worker: WorkerRuntime;
let receiver: Receiver;
const lines: string[] = [];

beforeAll(async () => {
  const config = testConfig({ LOG_LEVEL: 'trace', SECRET_ENCRYPTION_KEY: 'log-test-encryption-key-0123456789' });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ level: 'trace' }, sink);
  api = await startApiRuntime(config, logger);
  worker = await startWorkerRuntime(config, logger);
  receiver = await startReceiver();
});
afterAll(async () => {
  await worker.stop();
  await api.stop();
  await receiver.close();
});

async function call(method: string, path: string, body?: unknown, key = ADMIN_KEY) {
  const res = await fetch(api.url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

test('no secret, API key or admin key in the API and worker logs at trace level', async () => {
  const tenant = uniqueTenant();
  const apiKey = await call('POST', '/v1/api-keys', { tenant, name: 'logs' });
  expect(apiKey.status).toBe(201);
  const key: string = apiKey.body.key;

  const created = await call('POST', '/v1/webhooks', { url: receiver.url, enabled_events: ['CARD.*'], is_enabled: true }, key);
  expect(created.status).toBe(201);
  const secrets: string[] = [created.body.secret];
  secrets.push((await call('GET', `/v1/webhooks/${created.body.id}/secret`, undefined, key)).body.secret);
  const rotated = await call('POST', `/v1/webhooks/${created.body.id}/secret:rotate`, undefined, key);
  secrets.push(rotated.body.secret);
  expect((await call('POST', `/v1/webhooks/${created.body.id}:ping`, undefined, key)).body.success).toBe(true);

  const published = await call('POST', '/v1/events', { type: 'CARD.CREATED', resource: { id: 'c1' } }, key);
  const [nid] = published.body.notification_ids;
  await receiver.waitFor(1, { filter: (r) => r.headers['webhook-id'] === nid });
  await until(async () => (await call('GET', `/v1/notifications/${nid}`, undefined, key)).body.status === 'SUCCEEDED');
  // a failing request carrying the key must not leak it either
  expect((await call('GET', '/v1/webhooks/not-a-uuid', undefined, key)).status).toBe(404);
  expect((await call('POST', '/v1/webhooks', { url: 'nope' }, `${key}x`)).status).toBe(401);

  const log = lines.join('');
  // the capture really holds the requests and the attempts
  expect(log).toContain('delivery attempt');
  expect(log).toContain(created.body.id);
  expect(lines.length).toBeGreaterThan(10);

  const forbidden = [ADMIN_KEY, key, ...secrets, ...secrets.map((s) => s.slice('whsec_'.length))];
  for (const value of forbidden) expect(log).not.toContain(value);
});
