/** /metrics of the API and of the worker, in Prometheus text. */
import type { AddressInfo } from 'node:net';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startStack, until, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';

let stack: Stack;
let receiver: Receiver;

beforeAll(async () => {
  stack = await startStack();
  receiver = await startReceiver();
});
afterAll(async () => {
  await stack.stop();
  await receiver.close();
});

function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

test('the API counts requests by route template and status, and reports queue depth', async () => {
  const tenant = uniqueTenant();
  await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.*'], is_enabled: true });
  await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: {} });
  await stack.call('POST', '/v1/events', { tenant, type: 'NOPE', resource: {} });
  const res = await fetch(`${stack.api.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  const text = await res.text();
  expect(sample(text, 'hookrelay_http_requests_total', { method: 'POST', route: '/v1/events', status: '202' })).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'hookrelay_http_requests_total', { method: 'POST', route: '/v1/events', status: '400' })).toBeGreaterThanOrEqual(1);
  expect(text).toContain('hookrelay_http_request_duration_seconds_bucket');
  expect(sample(text, 'hookrelay_queue_jobs', { queue: 'deliveries', state: 'failed' })).toBeGreaterThanOrEqual(0);
});

test('the worker serves delivery outcomes, attempt latency and lag on its own port', async () => {
  const tenant = uniqueTenant();
  await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.*'], is_enabled: true });
  const event = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: {} });
  await receiver.waitFor(1, { filter: (r) => JSON.parse(r.body).event_id === event.body.id });
  const port = (stack.worker!.metricsServer!.address() as AddressInfo).port;
  const text = await until(async () => {
    const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return (sample(body, 'hookrelay_deliveries_total', { outcome: 'SUCCEEDED' }) ?? 0) >= 1 ? body : null;
  });
  expect(sample(text, 'hookrelay_delivery_attempts_total', { result: 'delivered' })).toBeGreaterThanOrEqual(1);
  expect(text).toContain('hookrelay_delivery_attempt_duration_seconds_bucket');
  expect(text).toContain('hookrelay_delivery_lag_seconds_bucket');
  expect(text).toContain('hookrelay_queue_jobs{queue="events",state="waiting"}');
  expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
});
