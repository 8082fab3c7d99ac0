/**
 * The CLI's publishing and watching commands against a real API and worker
 * (in this process) and a real receiver: publish over HTTP and into Redis,
 * notifications search/get/resend, and tail.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { until } from '../support/stack.js';
import { testRedisUrl, uniqueTenant } from '../support/env.js';
import { expectExit, parseJson, runCli, startCli } from './cli-process.js';
import { useCliStack } from './cli-stack.js';

const setup = useCliStack();
const { cli, cliJson } = setup;

const eventOf = (id: string) => (r: { body: string }) => JSON.parse(r.body).event_id === id;

test('publish over the API: resource inline, from a file or stdin; an idempotency key publishes once', async () => {
  const tenant = uniqueTenant();
  const webhook = await cliJson(['--tenant', tenant, 'webhooks', 'create', '-u', setup.receiver.url, '-e', 'CARD.*']);

  const published = await cliJson(
    ['--tenant', tenant, 'publish', 'CARD.UPDATED', '-r', '-', '-c', '{"status":"PENDING"}', '--event-time', '2026-01-02T03:04:05Z', '-k', 'card_1-v7'],
    {
      input: '{"id":"card_1","status":"ACTIVE"}',
    },
  );
  expect(published).toMatchObject({ tenant, type: 'CARD.UPDATED', duplicate: false, notification_ids: [expect.any(String)] });
  const [request] = await setup.receiver.waitFor(1, { filter: eventOf(published.id) });
  expect(JSON.parse(request.body)).toMatchObject({
    webhook_id: webhook.id,
    type: 'CARD.UPDATED',
    event_time: '2026-01-02T03:04:05.000Z',
    resource: '{"id":"card_1","status":"ACTIVE"}',
    changed_fields: '{"status":"PENDING"}',
    notification_id: published.notification_ids[0],
  });

  const repeat = await cli(['--tenant', tenant, 'publish', 'CARD.UPDATED', '-r', '{"id":"card_1"}', '-k', 'card_1-v7']);
  expect(repeat.code).toBe(0);
  expect(repeat.stdout).toContain(`already published with this idempotency key: event ${published.id}`);

  writeFileSync(path.join(setup.dir, 'card.json'), '{"id":"card_2"}');
  const fromFile = await cli(['--tenant', tenant, 'publish', 'CARD.CREATED', '-r', `@${path.join(setup.dir, 'card.json')}`]);
  expect(fromFile.code).toBe(0);
  const eventId = /published event (\S+) \(CARD\.CREATED, tenant /.exec(fromFile.stdout)?.[1];
  expect(fromFile.stdout).toMatch(/1 notification\(s\)\n  notification \S+\n$/);
  const [second] = await setup.receiver.waitFor(1, { filter: eventOf(eventId!) });
  expect(JSON.parse(second.body).resource).toBe('{"id":"card_2"}');

  const unknown = await cli(['--tenant', tenant, 'publish', 'NOPE.CREATED', '-r', '{}']);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(/^error: Bad Request: .*\n  - type: /);
});

test('publish --redis-url goes straight into Redis with the producer SDK, no API key needed', async () => {
  const tenant = uniqueTenant();
  const webhook = await cliJson(['--tenant', tenant, 'webhooks', 'create', '-u', setup.receiver.url, '-e', 'CARD.CREATED']);
  const result = await runCli(['--tenant', tenant, 'publish', 'CARD.CREATED', '-r', '{"id":"card_9"}', '--redis-url', testRedisUrl(), '--json'], {
    env: { QUEUE_PREFIX: setup.stack.config.queuePrefix },
  });
  expect(result.code).toBe(0);
  const queued = parseJson(result);
  expect(queued).toEqual({ id: expect.any(String), tenant, type: 'CARD.CREATED', queue_prefix: setup.stack.config.queuePrefix });
  const [request] = await setup.receiver.waitFor(1, { filter: eventOf(queued.id) });
  expect(JSON.parse(request.body)).toMatchObject({ webhook_id: webhook.id, resource: '{"id":"card_9"}' });

  // the same check as the API's, before anything reaches Redis
  const invalid = await runCli([
    '--tenant',
    tenant,
    'publish',
    'not a type',
    '-r',
    '{}',
    '--redis-url',
    testRedisUrl(),
    '--queue-prefix',
    setup.stack.config.queuePrefix,
  ]);
  expect(invalid.code).toBe(1);
  expect(invalid.stderr).toMatch(/^error: Bad Request: .*\n  - type: /);
});

test('notifications search, get and resend', async () => {
  const tenant = uniqueTenant();
  const webhook = await cliJson(['--tenant', tenant, 'webhooks', 'create', '-u', setup.receiver.url, '-e', 'CARD.*']);
  const published = await cliJson(['--tenant', tenant, 'publish', 'CARD.CREATED', '-r', '{}']);
  const [notificationId] = published.notification_ids;
  await until(async () => (await cliJson(['--tenant', tenant, 'notifications', 'get', notificationId])).status === 'SUCCEEDED');

  const found = await cliJson(['--tenant', tenant, 'notifications', 'search', '--webhook', webhook.id, '--status', 'SUCCEEDED', '--all']);
  expect(found.notifications).toEqual([expect.objectContaining({ id: notificationId, attempt_count: 1, last_status_code: 200 })]);
  const table = await cli(['--tenant', tenant, 'notifications', 'search', '--event', published.id]);
  expect(table.stdout).toMatch(new RegExp(`${notificationId} +${webhook.id} +CARD\\.CREATED +SUCCEEDED +1 +200 +-\\n$`));

  const resent = await cliJson(['--tenant', tenant, 'notifications', 'resend', notificationId]);
  expect(resent.attempts.map((a: { trigger: string }) => a.trigger)).toEqual(['schedule', 'resend']);
  const shown = await cli(['--tenant', tenant, 'notifications', 'get', notificationId]);
  expect(shown.stdout).toMatch(/^status: +SUCCEEDED$/m);
  expect(shown.stdout).toMatch(/^2 +\S+ +resend +200 +\d+ +-$/m);

  setup.receiver.respondWith({ status: 502 });
  const failed = await cli(['--tenant', tenant, 'notifications', 'resend', notificationId]);
  expect(failed.code).toBe(1);
  expect(failed.stderr).toMatch(/^error: the attempt failed: 502/);
});

test('tail --json follows a notification from its first failed attempt to SUCCEEDED, each state once', async () => {
  const tenant = uniqueTenant();
  const webhook = await cliJson(['--tenant', tenant, 'webhooks', 'create', '-u', setup.receiver.url, '-e', 'CARD.*']);
  // the first two attempts fail (500), the second retry succeeds
  setup.receiver.respondWith((req) => ({
    status: setup.receiver.requests.filter((r) => r.headers['webhook-id'] === req.headers['webhook-id']).length < 2 ? 500 : 200,
  }));
  const tail = startCli(['--tenant', tenant, 'tail', '--webhook', webhook.id, '--interval', '100ms', '--until-settled', '--timeout', '20s', '--json'], {
    env: setup.env,
  });
  await tail.waitFor(/following notifications of tenant \S+ changed since/);
  const published = await cliJson(['--tenant', tenant, 'publish', 'CARD.CREATED', '-r', '{"id":1}']);

  const result = await tail.exited;
  expectExit(result, 0);
  const lines = result.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(lines.every((n) => n.id === published.notification_ids[0] && n.webhook_id === webhook.id && n.type === 'CARD.CREATED')).toBe(true);
  const states = lines.map((n) => `${n.status}/${n.attempt_count}/${n.last_status_code}`);
  expect(states.at(-1)).toBe('SUCCEEDED/3/200');
  expect(states).toEqual(expect.arrayContaining(['PENDING/1/500', 'PENDING/2/500']));
  expect(new Set(states).size).toBe(states.length);
});

test('tail prints one line per change for new notifications, and stops after --count', async () => {
  const tenant = uniqueTenant();
  const webhook = await cliJson(['--tenant', tenant, 'webhooks', 'create', '-u', setup.receiver.url, '-e', '*']);
  const old = await cliJson(['--tenant', tenant, 'publish', 'CARD.CREATED', '-r', '{}']);
  await setup.receiver.waitFor(1, { filter: eventOf(old.id) });
  await new Promise((r) => setTimeout(r, 1100)); // the default --since is the API's clock, to the second

  setup.receiver.respondWith({ status: 200, delayMs: 800 }); // long enough for a poll to see it PENDING first
  const tail = startCli(['--tenant', tenant, 'tail', '--type', 'CARD.*', '--interval', '100ms', '--count', '2', '--timeout', '20s'], { env: setup.env });
  await tail.waitFor(/following notifications/);
  const transaction = await cliJson(['--tenant', tenant, 'publish', 'TRANSACTION.CREATED', '-r', '{}']);
  const published = await cliJson(['--tenant', tenant, 'publish', 'CARD.IMAGE.CREATED', '-r', '{}']);
  const result = await tail.exited;
  expectExit(result, 0);
  const lines = result.stdout.trim().split('\n');
  expect(lines).toHaveLength(2);
  const [notificationId] = published.notification_ids;
  expect(lines[0]).toMatch(new RegExp(`^\\S+Z  ${notificationId}  webhook=${webhook.id}  CARD\\.IMAGE\\.CREATED  PENDING +attempts=0  last=-`));
  expect(lines[1]).toMatch(new RegExp(`^\\S+Z  ${notificationId}  webhook=${webhook.id}  CARD\\.IMAGE\\.CREATED  SUCCEEDED  attempts=1  last=200$`));
  expect(result.stdout).not.toContain(old.notification_ids[0]);
  expect(result.stdout).not.toContain(transaction.notification_ids[0]);
});

test('tail ends with exit 0 on SIGTERM, and exit 1 when --timeout passes before its goal', async () => {
  const tenant = uniqueTenant();
  const tail = startCli(['--tenant', tenant, 'tail', '--interval', '200ms'], { env: setup.env });
  await tail.waitFor(/following notifications/);
  tail.child.kill('SIGTERM');
  expect((await tail.exited).code).toBe(0);

  const timedOut = await cli(['--tenant', tenant, 'tail', '--count', '1', '--timeout', '600ms', '--interval', '100ms']);
  expect(timedOut.code).toBe(1);
  expect(timedOut.stderr).toMatch(/error: tail timed out after 600 ms waiting for 1 change\(s\) \(saw 0\)/);

  const revokedKey = await cli(['--tenant', tenant, 'tail', '--count', '1'], { env: { HOOKRELAY_API_KEY: 'not-a-key-at-all' } });
  expect(revokedKey.code).toBe(1);
  expect(revokedKey.stderr).toMatch(/error: Unauthorized/);
});
