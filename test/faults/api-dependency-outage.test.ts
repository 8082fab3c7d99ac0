/**
 * Fault: the API loses Postgres. Requests that need the database answer 503
 * problem+json with Retry-After (the client may retry; nothing was changed),
 * never a 500, and the API serves again as soon as Postgres is back, with
 * no restart. The API reaches Postgres through a TCP proxy this test owns.
 */
import { startStack, type Stack } from '../support/stack.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { uniqueTenant } from '../support/env.js';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/isolated-db.js';

let stack: Stack;
let database: IsolatedDatabase;
let proxy: TcpProxy;

beforeAll(async () => {
  database = await createIsolatedDatabase();
  proxy = await startTcpProxy({ port: Number(new URL(database.url).port || 5432) });
  stack = await startStack({ DATABASE_URL: proxy.proxied(database.url) }, { worker: false });
}, 90_000);
afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
  await database?.drop();
}, 60_000);

test('Postgres unreachable: 503 problem+json with Retry-After, nothing changed; serving again once it is back', async () => {
  const tenant = uniqueTenant('apidown');
  const created = await stack.call('POST', '/v1/webhooks', { tenant, url: 'https://example.com/hook', enabled_events: ['CARD.CREATED'], is_enabled: true });
  expect(created.status).toBe(201);

  proxy.pause();
  try {
    const calls = [
      stack.call('GET', `/v1/webhooks?tenant=${tenant}`),
      stack.call('GET', `/v1/webhooks/${created.body.id}?tenant=${tenant}`),
      stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { n: 1 } }),
      stack.call('POST', '/v1/webhooks', { tenant, url: 'https://example.com/other', enabled_events: ['*'], is_enabled: true }),
      stack.call('POST', '/v1/webhooks:search', { tenant, webhook_id: created.body.id }),
    ];
    for (const answer of await Promise.all(calls)) {
      expect(answer.status).toBe(503);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(answer.body).toMatchObject({ status: 503, title: 'Service Unavailable' });
      expect(JSON.stringify(answer.body)).not.toMatch(/ECONN|terminated|at .+\.js/);
    }
    const ready = await stack.call('GET', '/readyz');
    expect(ready.status).toBe(503);
  } finally {
    proxy.resume();
  }

  const list = await stack.call('GET', `/v1/webhooks?tenant=${tenant}`);
  expect(list.status).toBe(200);
  // the refused create changed nothing
  expect(list.body.webhooks.map((w: { id: string }) => w.id)).toEqual([created.body.id]);
  const event = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { n: 2 } });
  expect(event.status).toBe(202);
  const search = await stack.call('POST', '/v1/webhooks:search', { tenant, webhook_id: created.body.id });
  expect(search.status).toBe(200);
  expect(search.body.notifications).toHaveLength(1);
}, 60_000);
