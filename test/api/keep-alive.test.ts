/**
 * Idle keep-alive connections, on both sides of Hookrelay: the API keeps them
 * longer than its clients do, and the Deliverer drops its own before the
 * receivers (Node servers close idle ones after 5 s). Either way round, a
 * request is never written onto a connection the other side is closing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Deliverer } from '@hookrelay/delivery';
import { startTestApi, type TestApi } from '../support/api-app.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

function get(agent: http.Agent, url: string): Promise<{ status: number; reusedSocket: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reusedSocket: req.reusedSocket }));
    });
    req.on('error', reject);
  });
}

test('the API keeps an idle keep-alive connection open past Node’s 5 s default', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    expect(await get(agent, `${api.url}/healthz`)).toEqual({ status: 200, reusedSocket: false });
    await sleep(6_500); // Node 20 closes idle connections ~1 s after keepAliveTimeout
    expect(await get(agent, `${api.url}/healthz`)).toEqual({ status: 200, reusedSocket: true });
  } finally {
    agent.destroy();
  }
}, 20_000);

/**
 * A node:http receiver that counts connections and notes each request's client
 * port, and a Deliverer posting to it; `delayFor(n)` delays the n-th answer (1-based).
 */
async function deliveringTo(options: { keepAliveTimeoutMs?: number; idleSocketTimeoutMs?: number; delayFor?: (n: number) => number } = {}) {
  const ports: number[] = [];
  let connections = 0;
  const receiver = http.createServer((req, res) => {
    ports.push(req.socket.remotePort ?? 0);
    req.resume();
    setTimeout(() => res.end('ok'), options.delayFor?.(ports.length) ?? 0);
  });
  if (options.keepAliveTimeoutMs !== undefined) receiver.keepAliveTimeout = options.keepAliveTimeoutMs;
  receiver.on('connection', () => connections++);
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const deliverer = new Deliverer({ timeoutMs: 5_000, allowPrivateDestinations: true, idleSocketTimeoutMs: options.idleSocketTimeoutMs });
  return {
    ports,
    connections: () => connections,
    send: () => deliverer.deliver({ url, body: '{}', headers: { 'content-type': 'application/json' } }),
    async close() {
      deliverer.close();
      await new Promise((resolve) => receiver.close(resolve));
    },
  };
}

test('the Deliverer reuses a busy connection and closes it once idle, before the receiver would', async () => {
  // the third request answers slowly: longer than the idle timeout, which must not cut it
  const { ports, connections, send, close } = await deliveringTo({ idleSocketTimeoutMs: 300, delayFor: (n) => (n === 3 ? 800 : 0) });
  try {
    expect((await send()).kind).toBe('delivered');
    expect((await send()).kind).toBe('delivered');
    expect(ports[1]).toBe(ports[0]);
    expect(connections()).toBe(1);

    const slow = await send();
    expect(slow).toMatchObject({ kind: 'delivered', statusCode: 200 });
    expect(slow.durationMs).toBeGreaterThanOrEqual(700);

    await sleep(700);
    expect((await send()).kind).toBe('delivered');
    expect(connections()).toBe(2);
    expect(ports[3]).not.toBe(ports[0]);
  } finally {
    await close();
  }
});

test('the Deliverer honours a shorter idle timeout announced by the receiver (Keep-Alive: timeout=2)', async () => {
  // announced as `Keep-Alive: timeout=2`; Node closes at ~3 s
  const { connections, send, close } = await deliveringTo({ keepAliveTimeoutMs: 2_000 });
  try {
    expect((await send()).kind).toBe('delivered');
    await sleep(500);
    expect((await send()).kind).toBe('delivered');
    expect(connections()).toBe(1);
    // the agent gives the socket up 1 s before the announced 2 s
    await sleep(1_300);
    expect((await send()).kind).toBe('delivered');
    expect(connections()).toBe(2);
  } finally {
    await close();
  }
});
