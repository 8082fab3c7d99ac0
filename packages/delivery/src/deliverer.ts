/**
 * Sends one callback and classifies what happened. Redirects are not
 * followed, connections are kept alive, at most 4 KiB of the response is
 * read, and the whole exchange is bounded by `timeoutMs`.
 *
 * Plain node:http(s) rather than got: a delivery is one POST with none of
 * what got adds (redirects, retries, hooks, decompression, all switched off
 * here), and got's per-request option handling was a fifth of the worker's
 * CPU per delivery.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { BlockedDestinationError, destinationProblem, guardLookup, guardedLookup, type LookupFunction } from './destination-guard.js';

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

export type OutcomeKind = 'delivered' | 'retryable' | 'blocked' | 'gone' | 'throttled';

export interface DeliveryResult {
  kind: OutcomeKind;
  statusCode: number | null;
  durationMs: number;
  responseBody: string | null;
  error: string | null;
  /** Retry-After of a 429/503, in ms */
  retryAfterMs: number | null;
}

export interface DelivererOptions {
  timeoutMs: number;
  allowPrivateDestinations: boolean;
  /** sockets kept per host */
  maxSockets?: number;
  /** how long an idle keep-alive socket is kept (default IDLE_SOCKET_TIMEOUT_MS) */
  idleSocketTimeoutMs?: number;
  /** resolver whose answers are checked (default dns.lookup); tests inject one */
  lookup?: LookupFunction;
}

export interface DeliveryRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

/** One function decides what a response means. */
export function classifyStatus(statusCode: number): OutcomeKind {
  if (statusCode >= 200 && statusCode < 300) return 'delivered';
  if (statusCode === 410) return 'gone';
  if (statusCode === 429 || statusCode === 503) return 'throttled';
  return 'retryable';
}

export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return null;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function errorMessage(error: unknown): string {
  if (error instanceof BlockedDestinationError) return error.message;
  const e = error as { code?: string; message?: string; cause?: unknown };
  if (e.cause instanceof BlockedDestinationError) return e.cause.message;
  return e.code ? `${e.code}: ${e.message ?? ''}`.trim() : String(e.message ?? error);
}

function isBlocked(error: unknown): boolean {
  const e = error as { code?: string; cause?: unknown };
  return error instanceof BlockedDestinationError || e.cause instanceof BlockedDestinationError || e.code === 'EBLOCKEDDESTINATION';
}

/** What a request that ran out of time fails with (the code classifies it as a network failure). */
export class DeliveryTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(timeoutMs: number) {
    super(`Timeout awaiting 'request' for ${timeoutMs}ms`);
    this.name = 'DeliveryTimeoutError';
  }
}

export class Deliverer {
  private readonly agents: { http: HttpAgent; https: HttpsAgent };
  /** resolves host names for the sockets, refusing non-public answers; none when private destinations are allowed */
  private readonly lookup: typeof guardedLookup | undefined;

  constructor(private readonly options: DelivererOptions) {
    // `timeout` closes sockets idle in the pool; on a busy socket it only emits 'timeout' (the total timer below governs)
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 256, scheduling: 'lifo' as const, timeout: options.idleSocketTimeoutMs ?? IDLE_SOCKET_TIMEOUT_MS };
    this.agents = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };
    this.lookup = options.allowPrivateDestinations ? undefined : options.lookup ? guardLookup(options.lookup) : guardedLookup;
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    if (!this.options.allowPrivateDestinations) {
      const problem = destinationProblem(request.url);
      if (problem) {
        return { kind: 'blocked', statusCode: null, durationMs: elapsed(), responseBody: null, error: `blocked destination: ${request.url} ${problem}`, retryAfterMs: null };
      }
    }
    try {
      const { statusCode, body, retryAfter } = await this.post(request);
      return { kind: classifyStatus(statusCode), statusCode, durationMs: elapsed(), responseBody: body, error: null, retryAfterMs: parseRetryAfter(retryAfter) };
    } catch (error) {
      const blocked = isBlocked(error);
      return {
        kind: blocked ? 'blocked' : 'retryable',
        statusCode: null,
        durationMs: elapsed(),
        responseBody: null,
        error: blocked ? `blocked destination: ${errorMessage(error)}` : errorMessage(error),
        retryAfterMs: null,
      };
    }
  }

  /** Streams the response so a huge body is never buffered: the first 4 KiB are kept, the rest is dropped. */
  private post(request: DeliveryRequest): Promise<{ statusCode: number; body: string; retryAfter: string | undefined }> {
    return new Promise((resolve, reject) => {
      const url = new URL(request.url);
      const https = url.protocol === 'https:';
      if (!https && url.protocol !== 'http:') return reject(new Error(`unsupported protocol ${url.protocol}`));
      const body = Buffer.from(request.body);
      const chunks: Buffer[] = [];
      let size = 0;
      let statusCode = 0;
      let retryAfter: string | undefined;
      let settled = false;
      let req: ClientRequest | undefined;
      const timer = setTimeout(() => req?.destroy(new DeliveryTimeoutError(this.options.timeoutMs)), this.options.timeoutMs);
      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ statusCode, body: storableText(Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT)), retryAfter });
      };
      const fail = (error: Error) => {
        if (settled) return;
        if (statusCode && chunks.length) return finish();
        settled = true;
        clearTimeout(timer);
        reject(error);
      };
      const onResponse = (response: IncomingMessage) => {
        statusCode = response.statusCode ?? 0;
        const header = response.headers['retry-after'];
        retryAfter = Array.isArray(header) ? header[0] : header;
        response.on('data', (chunk: Buffer) => {
          if (size < RESPONSE_BODY_LIMIT) chunks.push(chunk);
          size += chunk.length;
          if (size >= RESPONSE_BODY_LIMIT) {
            finish();
            response.destroy();
            req?.destroy();
          }
        });
        response.on('end', finish);
        // a connection cut mid-body arrives here too (ECONNRESET "aborted")
        response.on('error', fail);
      };
      const options = {
        method: 'POST',
        agent: https ? this.agents.https : this.agents.http,
        headers: { ...request.headers, 'content-length': String(body.length) },
        ...(this.lookup ? { lookup: this.lookup as never } : {}),
      };
      req = https ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
      req.on('error', fail);
      req.end(body);
    });
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

/** Postgres text cannot hold NUL: a receiver answering with one would make its attempt unrecordable. */
function storableText(bytes: Buffer): string {
  return bytes.toString('utf8').replace(/\u0000/g, '\uFFFD');
}
