/**
 * The HTTP client every delivery is sent with: one `got.extend` instance with
 * everything fixed up front (keep-alive agents with an idle timeout, the SSRF
 * lookup guard, a total timeout, no retries, no redirects, no decompression,
 * no hooks, no HTTP error throwing), and `postCapped`, which streams the
 * answer and keeps at most 4 KiB of it. The Deliverer uses both, and so does
 * the bench's bare floor worker (bench/floor-worker.mjs), so that the two
 * send with the same client and the same settings.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import got, { TimeoutError, type Got } from 'got';
import { guardLookup, guardedLookup, type LookupFunction } from './destination-guard.js';

export const RESPONSE_BODY_LIMIT = 4096;

/**
 * Idle keep-alive sockets are closed after this, before the receiver closes
 * them: a delivery written just as the receiver's close arrives fails with
 * ECONNRESET (a failed attempt, retried only on the schedule). Node servers
 * drop idle connections after 5 s by default; 4 s is also undici's default.
 * With a timeout set, Node's agent also honours a shorter `Keep-Alive:
 * timeout=N` announced by the receiver (it closes at N - 1 s; gunicorn
 * announces 2 s); without one it ignores the hint.
 */
export const IDLE_SOCKET_TIMEOUT_MS = 4000;

export interface DeliveryClientOptions {
  /** the whole exchange, from lookup to the last byte read */
  timeoutMs: number;
  allowPrivateDestinations: boolean;
  /** sockets kept per host */
  maxSockets?: number;
  /** how long an idle keep-alive socket is kept (default IDLE_SOCKET_TIMEOUT_MS) */
  idleSocketTimeoutMs?: number;
  /** resolver whose answers are checked (default dns.lookup); tests inject one */
  lookup?: LookupFunction;
}

export interface DeliveryClient {
  got: Got;
  timeoutMs: number;
  /** closes the agents' sockets */
  close(): void;
}

export interface DeliveryRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export interface CappedResponse {
  statusCode: number;
  /** the first RESPONSE_BODY_LIMIT bytes, as text Postgres can store */
  body: string;
  retryAfter: string | undefined;
}

/** What a request that ran out of time fails with (the code classifies it as a network failure). */
export class DeliveryTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(timeoutMs: number) {
    super(`Timeout awaiting 'request' for ${timeoutMs}ms`);
    this.name = 'DeliveryTimeoutError';
  }
}

export function createDeliveryClient(options: DeliveryClientOptions): DeliveryClient {
  // `timeout` closes sockets idle in the pool; on a busy socket it only emits 'timeout' (got's request timeout governs)
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets ?? 256,
    scheduling: 'lifo' as const,
    timeout: options.idleSocketTimeoutMs ?? IDLE_SOCKET_TIMEOUT_MS,
  };
  const agents = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };
  // resolves host names for the sockets, refusing non-public answers; none when private destinations are allowed
  const lookup = options.allowPrivateDestinations ? undefined : options.lookup ? guardLookup(options.lookup) : guardedLookup;
  const client = got.extend({
    timeout: { request: options.timeoutMs },
    retry: { limit: 0 },
    followRedirect: false,
    decompress: false,
    throwHttpErrors: false,
    enableUnixSockets: false,
    http2: false,
    agent: agents,
    ...(lookup ? { dnsLookup: lookup as never } : {}),
  });
  return {
    got: client,
    timeoutMs: options.timeoutMs,
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

/**
 * POSTs `request` and streams the answer, so a huge body is never buffered:
 * the first 4 KiB are kept, the rest is dropped (the connection is cut).
 * Rejects with the transport error (DeliveryTimeoutError once out of time);
 * any HTTP status resolves.
 */
export function postCapped(client: DeliveryClient, request: DeliveryRequest): Promise<CappedResponse> {
  return new Promise((resolve, reject) => {
    const stream = client.got.stream.post(request.url, { body: request.body, headers: request.headers });
    const chunks: Buffer[] = [];
    let size = 0;
    let statusCode = 0;
    let retryAfter: string | undefined;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      resolve({ statusCode, body: storableText(Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT)), retryAfter });
    };
    stream.on('response', (response: { statusCode: number; headers: Record<string, string | string[] | undefined> }) => {
      statusCode = response.statusCode;
      const header = response.headers['retry-after'];
      retryAfter = Array.isArray(header) ? header[0] : header;
    });
    stream.on('data', (chunk: Buffer) => {
      if (size < RESPONSE_BODY_LIMIT) chunks.push(chunk);
      size += chunk.length;
      if (size >= RESPONSE_BODY_LIMIT) {
        finish();
        stream.destroy();
      }
    });
    stream.on('end', finish);
    stream.on('error', (error: Error) => {
      if (settled) return;
      // a connection cut mid-body after the answer began: what arrived is the answer
      if (statusCode && chunks.length) return finish();
      settled = true;
      reject(error instanceof TimeoutError ? new DeliveryTimeoutError(client.timeoutMs) : error);
    });
  });
}

/** Postgres text cannot hold NUL: a receiver answering with one would make its attempt unrecordable. */
function storableText(bytes: Buffer): string {
  return bytes.toString('utf8').replaceAll('\u0000', '\uFFFD');
}
