/**
 * The Deliverer's got client against a real node:http receiver: one request
 * per delivery (no retries), redirects not followed, bodies not decompressed,
 * Retry-After read, a total timeout that says ETIMEDOUT, a 4 KiB cap; the
 * exported factory (what the bench floor uses) behaves the same.
 */
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { createDeliveryClient, Deliverer, postCapped, RESPONSE_BODY_LIMIT } from '@hookrelay/delivery';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
let handler: Handler = (_req, res) => res.end('ok');
const seen: { path: string; headers: http.IncomingHttpHeaders }[] = [];
const server = http.createServer((req, res) => {
  seen.push({ path: req.url ?? '', headers: req.headers });
  req.resume();
  req.on('end', () => handler(req, res));
});
let base = '';
const deliverer = new Deliverer({ timeoutMs: 400, allowPrivateDestinations: true });

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  deliverer.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen.length = 0;
});

const send = (path: string) =>
  deliverer.deliver({ url: `${base}${path}`, body: '{"a":1}', headers: { 'content-type': 'application/json', 'user-agent': 'Hookrelay/test' } });

test('a redirect is not followed: it is the answer (retryable 302), and the target is never asked', async () => {
  handler = (req, res) => {
    if (req.url === '/hook') res.writeHead(302, { location: `${base}/elsewhere` }).end();
    else res.end('should not be reached');
  };
  const result = await send('/hook');
  expect(result).toMatchObject({ kind: 'retryable', statusCode: 302, error: null });
  expect(seen.map((s) => s.path)).toEqual(['/hook']);
});

test('a failing answer is not retried by the client, and the body and headers go as given', async () => {
  handler = (_req, res) => res.writeHead(500).end('boom');
  const result = await send('/fail');
  expect(result).toMatchObject({ kind: 'retryable', statusCode: 500, responseBody: 'boom' });
  expect(seen).toHaveLength(1);
  expect(seen[0].headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': 'Hookrelay/test', 'content-length': '7' });
  // decompression is off: nothing asks for an encoding
  expect(seen[0].headers['accept-encoding']).toBeUndefined();
});

test('a compressed answer is kept as sent, not decompressed', async () => {
  const gz = gzipSync('x'.repeat(1000));
  handler = (_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gz);
  const result = await send('/gz');
  expect(result.kind).toBe('delivered');
  expect(result.responseBody).not.toContain('xxxx');
});

test('Retry-After of a 429 or 503 is read and classified as throttled', async () => {
  handler = (_req, res) => res.writeHead(503, { 'retry-after': '7' }).end();
  expect(await send('/busy')).toMatchObject({ kind: 'throttled', statusCode: 503, retryAfterMs: 7000 });
  handler = (_req, res) => res.writeHead(410).end();
  expect(await send('/gone')).toMatchObject({ kind: 'gone', statusCode: 410 });
});

test('the total timeout ends a hanging answer with ETIMEDOUT', async () => {
  handler = () => undefined; // never answers
  const result = await send('/hang');
  expect(result).toMatchObject({ kind: 'retryable', statusCode: null, error: "ETIMEDOUT: Timeout awaiting 'request' for 400ms" });
  expect(result.durationMs).toBeGreaterThanOrEqual(380);
  expect(result.durationMs).toBeLessThan(5000);
});

test('a refused connection is a retryable failure naming ECONNREFUSED', async () => {
  const result = await deliverer.deliver({ url: 'http://127.0.0.1:2/hook', body: '{}', headers: {} });
  expect(result).toMatchObject({ kind: 'retryable', statusCode: null, error: expect.stringContaining('ECONNREFUSED') });
});

test('the exported client factory and postCapped (what the bench floor uses) keep 4 KiB of a large answer', async () => {
  handler = (_req, res) => res.end('z'.repeat(1024 * 1024));
  const client = createDeliveryClient({ timeoutMs: 2000, allowPrivateDestinations: true });
  try {
    const answer = await postCapped(client, { url: `${base}/big`, body: '{}', headers: {} });
    expect(answer.statusCode).toBe(200);
    expect(answer.body.length).toBe(RESPONSE_BODY_LIMIT);
  } finally {
    client.close();
  }
});
