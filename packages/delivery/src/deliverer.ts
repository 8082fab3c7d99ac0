/**
 * Sends one callback with got and classifies what happened. Redirects are not
 * followed, connections are kept alive, at most 4 KiB of the response is read.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import got, { type Got } from 'got';
import { BlockedDestinationError, destinationProblem, guardLookup, guardedLookup, type LookupFunction } from './destination-guard.js';

export const RESPONSE_BODY_LIMIT = 4096;

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

export class Deliverer {
  private readonly client: Got;
  private readonly agents: { http: HttpAgent; https: HttpsAgent };

  constructor(private readonly options: DelivererOptions) {
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 256, scheduling: 'lifo' as const };
    this.agents = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };
    this.client = got.extend({
      timeout: { request: options.timeoutMs },
      followRedirect: false,
      throwHttpErrors: false,
      retry: { limit: 0 },
      decompress: false,
      agent: this.agents,
      ...(options.allowPrivateDestinations ? {} : { dnsLookup: (options.lookup ? guardLookup(options.lookup) : guardedLookup) as never }),
    });
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
      const stream = this.client.stream.post(request.url, { body: request.body, headers: request.headers });
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
      stream.on('response', (response: { statusCode: number; headers: Record<string, string | undefined> }) => {
        statusCode = response.statusCode;
        retryAfter = response.headers['retry-after'];
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
        if (statusCode && chunks.length) return finish();
        settled = true;
        reject(error);
      });
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
