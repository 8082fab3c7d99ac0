/**
 * Webhook `headers` end to end (SPEC "Endpoints"): the extra headers arrive
 * at a real receiver on a scheduled delivery, after sendexpired, on ping and
 * on resend, beside intact signature headers; reserved names are refused
 * with a 400 naming them; every read masks the values; the database holds
 * them sealed; no log line holds them.
 */
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { HEADER_VALUE_MASK, SecretBox } from '@hookrelay/core';
import { startReceiver, type Receiver, type ReceivedRequest } from '../support/receiver.js';
import { uniqueTenant } from '../support/env.js';
import { ENCRYPTION_KEY, startEndpointStack, type EndpointStack } from './endpoint-stack.js';

let stack: EndpointStack;
let receiver: Receiver;
const SECRET_VALUES = ['api-key-value-7f3a9c1e', 'second-secret-value-42b8'];

beforeAll(async () => {
  stack = await startEndpointStack();
  receiver = await startReceiver();
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

const forNotification = (id: string) => (r: ReceivedRequest) => r.headers['webhook-id'] === id;

async function createWebhook(tenant: string, extra: Record<string, unknown>) {
  const res = await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.*'], is_enabled: true, ...extra });
  expect(res.status).toBe(201);
  return res.body;
}

async function publish(tenant: string): Promise<string> {
  const res = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { id: 'c1' } });
  expect(res.status).toBe(202);
  return res.body.notification_ids[0];
}

test('headers arrive on scheduled deliveries, ping, resend and sendexpired; signatures stay intact; reads mask them', async () => {
  const tenant = uniqueTenant('hdr');
  const webhook = await createWebhook(tenant, { headers: { 'X-Api-Key': SECRET_VALUES[0], 'X-Tenant': 'acme', 'X-Empty': '' } });
  const masked = { 'X-Api-Key': HEADER_VALUE_MASK, 'X-Tenant': HEADER_VALUE_MASK, 'X-Empty': HEADER_VALUE_MASK };
  expect(webhook.headers).toEqual(masked);
  expect(JSON.stringify(webhook)).not.toContain(SECRET_VALUES[0]);
  expect((await stack.call('GET', `/v1/webhooks/${webhook.id}`)).body.headers).toEqual(masked);
  const listed = await stack.call('GET', `/v1/webhooks?tenant=${tenant}`);
  expect(listed.body.webhooks[0].headers).toEqual(masked);

  // sealed at rest: names in clear, values encrypted
  const row = await stack.db.webhook.findUniqueOrThrow({ where: { id: webhook.id } });
  const stored = row.headers as Record<string, string>;
  expect(Object.keys(stored).sort()).toEqual(['X-Api-Key', 'X-Empty', 'X-Tenant']);
  for (const value of Object.values(stored)) expect(value).toMatch(/^enc:v1:/);
  expect(JSON.stringify(row.headers)).not.toContain(SECRET_VALUES[0]);
  expect(new SecretBox(ENCRYPTION_KEY).open(stored['X-Api-Key']!)).toBe(SECRET_VALUES[0]);

  // scheduled delivery
  const nid = await publish(tenant);
  const [delivered] = await receiver.waitFor(1, { filter: forNotification(nid) });
  expect(delivered!.headers['x-api-key']).toBe(SECRET_VALUES[0]);
  expect(delivered!.headers['x-tenant']).toBe('acme');
  expect(delivered!.headers['x-empty']).toBe('');
  expect(delivered!.headers['content-type']).toBe('application/json');
  expect(delivered!.headers['user-agent']).toMatch(/^Hookrelay\//);
  const secret = (await stack.call('GET', `/v1/webhooks/${webhook.id}/secret`)).body.secret;
  expect(() => new StandardWebhook(secret).verify(delivered!.body, delivered!.headers as Record<string, string>)).not.toThrow();
  await stack.settled(nid, 'SUCCEEDED');

  // resend
  const resent = await stack.call('POST', `/v1/notifications/${nid}:resend`);
  expect(resent.status).toBe(200);
  const both = await receiver.waitFor(2, { filter: forNotification(nid) });
  expect(both[1]!.headers['x-api-key']).toBe(SECRET_VALUES[0]);

  // ping
  const before = receiver.requests.length;
  const ping = await stack.call('POST', `/v1/webhooks/${webhook.id}:ping`);
  expect(ping.body).toMatchObject({ success: true, status_code: 200 });
  const pinged = receiver.requests.slice(before).find((r) => JSON.parse(r.body).type === 'WEBHOOK.PING');
  expect(pinged?.headers['x-api-key']).toBe(SECRET_VALUES[0]);
  expect(pinged?.headers['x-tenant']).toBe('acme');

  // sendexpired: expire one notification (every attempt refused), then send it again
  receiver.respondWith({ status: 500 });
  const failing = await publish(tenant);
  await stack.settled(failing, 'EXPIRED');
  receiver.respondWith({ status: 200 });
  expect((await stack.call('POST', '/v1/webhooks:sendexpired', { tenant, notification_ids: [failing] })).body).toEqual({ requeued: 1 });
  await stack.settled(failing, 'SUCCEEDED');
  const attempts = await receiver.waitFor(4, { filter: forNotification(failing) });
  for (const attempt of attempts) expect(attempt.headers['x-api-key']).toBe(SECRET_VALUES[0]);

  // nothing secret in the API or worker logs (trace level)
  const log = stack.log();
  expect(log).toContain(webhook.id);
  for (const value of SECRET_VALUES.slice(0, 1)) expect(log).not.toContain(value);
}, 60_000);

test('PUT/PATCH replace the headers; the mask keeps a stored value; null and {} remove them', async () => {
  const tenant = uniqueTenant('hdr');
  const webhook = await createWebhook(tenant, { headers: { 'X-Api-Key': SECRET_VALUES[0], 'X-Old': 'old' } });

  const replaced = await stack.call('PATCH', `/v1/webhooks/${webhook.id}`, { headers: { 'x-api-key': HEADER_VALUE_MASK, 'X-New': SECRET_VALUES[1] } });
  expect(replaced.status).toBe(200);
  expect(replaced.body.headers).toEqual({ 'x-api-key': HEADER_VALUE_MASK, 'X-New': HEADER_VALUE_MASK });
  let ping = await stack.call('POST', `/v1/webhooks/${webhook.id}:ping`);
  expect(ping.body.success).toBe(true);
  let last = receiver.requests[receiver.requests.length - 1]!;
  expect(last.headers['x-api-key']).toBe(SECRET_VALUES[0]);
  expect(last.headers['x-new']).toBe(SECRET_VALUES[1]);
  expect(last.headers['x-old']).toBeUndefined();

  // a mask for a name with no stored value
  const unknown = await stack.call('PUT', `/v1/webhooks/${webhook.id}`, { headers: { 'X-Unknown': HEADER_VALUE_MASK } });
  expect(unknown.status).toBe(400);
  expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'headers.X-Unknown' })]);

  // other fields leave the headers alone
  expect((await stack.call('PATCH', `/v1/webhooks/${webhook.id}`, { description: 'x' })).body.headers).toEqual({
    'x-api-key': HEADER_VALUE_MASK,
    'X-New': HEADER_VALUE_MASK,
  });

  for (const clear of [null, {}]) {
    await stack.call('PUT', `/v1/webhooks/${webhook.id}`, { headers: { 'X-Again': 'a' } });
    const cleared = await stack.call('PUT', `/v1/webhooks/${webhook.id}`, { headers: clear });
    expect(cleared.status).toBe(200);
    expect(cleared.body.headers).toEqual({});
    expect((await stack.db.webhook.findUniqueOrThrow({ where: { id: webhook.id } })).headers).toBeNull();
    ping = await stack.call('POST', `/v1/webhooks/${webhook.id}:ping`);
    last = receiver.requests[receiver.requests.length - 1]!;
    expect(last.headers['x-again']).toBeUndefined();
  }
  expect(stack.log()).not.toContain(SECRET_VALUES[1]);
}, 30_000);

describe('refused headers', () => {
  const reserved = [
    'webhook-id',
    'Webhook-Signature',
    'WEBHOOK-TIMESTAMP',
    'webhook-anything',
    'content-type',
    'Content-Length',
    'content-md5',
    'Host',
    'user-agent',
    'Authorization',
    'connection',
    'Transfer-Encoding',
    'traceparent',
    'TraceState',
  ];

  test.each(reserved)('%s is refused on create and on update with a 400 naming it', async (name) => {
    const tenant = uniqueTenant('hdr');
    const create = await stack.call('POST', '/v1/webhooks', {
      tenant,
      url: receiver.url,
      enabled_events: ['*'],
      is_enabled: true,
      headers: { 'X-Ok': '1', [name]: 'v' },
    });
    expect(create.status).toBe(400);
    expect(create.body.detail).toContain(name);
    expect(create.body.errors).toEqual([expect.objectContaining({ field: 'headers', message: expect.stringContaining(name) })]);
    const webhook = await createWebhook(tenant, {});
    for (const method of ['PUT', 'PATCH']) {
      const update = await stack.call(method, `/v1/webhooks/${webhook.id}`, { headers: { [name]: 'v' } });
      expect(update.status).toBe(400);
      expect(update.body.detail).toContain(name);
    }
  });

  test('several reserved names are all named in one 400', async () => {
    const res = await stack.call('POST', '/v1/webhooks', {
      url: receiver.url,
      enabled_events: ['*'],
      is_enabled: true,
      headers: { Host: 'a', 'Content-Type': 'b', 'X-Fine': 'c', authorization: 'd' },
    });
    expect(res.status).toBe(400);
    for (const name of ['Host', 'Content-Type', 'authorization']) expect(res.body.detail).toContain(name);
    expect(res.body.detail).not.toContain('X-Fine');
  });

  test.each([
    ['a name with a space', { 'X Bad': 'v' }, 'headers.X Bad'],
    ['a name with an underscore', { X_Bad: 'v' }, 'headers.X_Bad'],
    ['a name of 65 characters', { ['X'.repeat(65)]: 'v' }, `headers.${'X'.repeat(65)}`],
    ['a value of 1025 characters', { 'X-Long': 'v'.repeat(1025) }, 'headers.X-Long'],
    ['a value with a line break', { 'X-Split': 'a\r\nInjected: yes' }, 'headers.X-Split'],
    ['a non-ASCII value', { 'X-Accent': 'café' }, 'headers.X-Accent'],
    ['a number as value', { 'X-Num': 1 }, 'headers.X-Num'],
    ['21 headers', Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, 'v'])), 'headers'],
    ['the same name twice in different case', { 'X-Dup': 'a', 'x-dup': 'b' }, 'headers'],
    ['an array', ['X-A'], 'headers'],
    ['a string', 'X-A: b', 'headers'],
  ])('%s is a 400 naming the field', async (_label, headers, field) => {
    const res = await stack.call('POST', '/v1/webhooks', { url: receiver.url, enabled_events: ['*'], is_enabled: true, headers });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    // the value itself is never echoed
    if (typeof headers === 'object' && !Array.isArray(headers) && 'X-Split' in headers) expect(JSON.stringify(res.body)).not.toContain('Injected');
  });

  test('20 headers of 1024 characters are accepted', async () => {
    const headers = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`X-H${i}`, 'v'.repeat(1024)]));
    const res = await stack.call('POST', '/v1/webhooks', { url: receiver.url, enabled_events: ['*'], is_enabled: true, headers });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body.headers)).toHaveLength(20);
  });
});

test('the OpenAPI document describes headers on requests and responses', async () => {
  const doc = (await fetch(`${stack.api.url}/openapi.json`).then((r) => r.json())) as any;
  const create = doc.paths['/v1/webhooks'].post.requestBody.content['application/json'].schema;
  expect(create.properties.headers).toMatchObject({ type: ['object', 'null'], maxProperties: 20, additionalProperties: false });
  expect(Object.keys(create.properties.headers.patternProperties)).toEqual(['^[A-Za-z0-9-]{1,64}$']);
  expect(create.properties.headers.description).toMatch(/webhook-\*/);
  expect(doc.components.schemas.Webhook.properties.headers).toMatchObject({ type: 'object' });
});
