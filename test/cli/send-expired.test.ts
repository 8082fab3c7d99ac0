/**
 * `hookrelay send-expired` with a short RETRY_SCHEDULE: a notification to a
 * failing receiver expires; send-expired requeues it once; tail sees it
 * delivered.
 */
import { startReceiver, type Receiver } from '../support/receiver.js';
import { ADMIN_KEY, startStack, until, type Stack } from '../support/stack.js';
import { uniqueTenant } from '../support/env.js';
import { expectExit, parseJson, runCli, startCli } from './cli-process.js';

let stack: Stack;
let receiver: Receiver;
let env: Record<string, string>;

beforeAll(async () => {
  stack = await startStack({ RETRY_SCHEDULE: '1', DELIVERY_TIMEOUT_MS: '500' });
  receiver = await startReceiver({ status: 503, body: 'unavailable' });
  env = { HOOKRELAY_API_URL: stack.api.url, HOOKRELAY_API_KEY: ADMIN_KEY };
});
afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

async function cliJson(args: string[]): Promise<any> {
  const result = await runCli([...args, '--json'], { env });
  expectExit(result, 0);
  return parseJson(result);
}

test('an EXPIRED notification goes back to PENDING once and is delivered', async () => {
  const tenant = uniqueTenant();
  const t = ['--tenant', tenant];
  const webhook = await cliJson([...t, 'webhooks', 'create', '-u', receiver.url, '-e', 'CARD.*']);
  const other = await cliJson([...t, 'webhooks', 'create', '-u', receiver.url, '-e', 'CARD.*']);
  const published = await cliJson([...t, 'publish', 'CARD.CREATED', '-r', '{"id":1}']);
  const [first, second] = published.notification_ids as string[];
  const ours = (await cliJson([...t, 'notifications', 'search', '--event', published.id])).notifications.find(
    (n: { webhook_id: string }) => n.webhook_id === webhook.id,
  ).id;
  expect([first, second]).toContain(ours);

  // both attempts of the schedule fail: EXPIRED
  await until(
    async () => {
      const found = await cliJson([...t, 'notifications', 'search', '--event', published.id, '--status', 'EXPIRED']);
      return found.notifications.length === 2;
    },
    { timeoutMs: 20000 },
  );
  const expired = await cliJson([...t, 'notifications', 'get', ours]);
  expect(expired).toMatchObject({ status: 'EXPIRED', attempt_count: 2, last_status_code: 503 });

  receiver.respondWith({ status: 200 });
  const tail = startCli([...t, 'tail', '--event', published.id, '--since', '10m', '--interval', '100ms'], { env });
  await tail.waitFor(new RegExp(`${ours}  webhook=\\S+  CARD\\.CREATED  EXPIRED +attempts=2  last=503`), { stream: 'stdout' });

  const requeued = await runCli([...t, 'send-expired', '--webhook', webhook.id], { env });
  expectExit(requeued, 0);
  expect(requeued.stdout).toBe('requeued 1 expired notification(s)\n');

  // tail follows it from EXPIRED (back through PENDING, if a poll catches that) to SUCCEEDED
  await tail.waitFor(new RegExp(`${ours}  .*SUCCEEDED  attempts=3  last=200`), { stream: 'stdout' });
  tail.child.kill('SIGINT');
  const result = await tail.exited;
  expectExit(result, 0);
  const lines = result.stdout.trim().split('\n');
  expect(lines.filter((l) => l.includes(`webhook=${other.id}`))).toEqual([expect.stringMatching(/EXPIRED +attempts=2  last=503$/)]);
  const states = lines.filter((l) => l.includes(ours)).map((l) => /  (\w+) +attempts=(\d)/.exec(l)!.slice(1).join('/'));
  expect(states[0]).toBe('EXPIRED/2');
  expect(states.at(-1)).toBe('SUCCEEDED/3');
  expect(states.slice(1, -1).every((s) => s === 'PENDING/2')).toBe(true);

  const delivered = await cliJson([...t, 'notifications', 'get', ours]);
  expect(delivered.attempts.at(-1)).toMatchObject({ attempt_number: 3, trigger: 'sendexpired', status_code: 200 });

  // nothing is requeued twice; the other webhook's stays EXPIRED until asked for
  expect(await cliJson([...t, 'send-expired', '--webhook', webhook.id])).toEqual({ requeued: 0 });
  expect((await cliJson([...t, 'notifications', 'get', published.notification_ids.find((id: string) => id !== ours)])).status).toBe('EXPIRED');
  expect(await cliJson([...t, 'send-expired', '--notification', published.notification_ids.join(','), '--since', '1h'])).toEqual({ requeued: 1 });
});
