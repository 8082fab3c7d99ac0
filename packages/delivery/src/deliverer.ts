/**
 * Sends one callback with got and classifies what happened. Redirects are not
 * followed, connections are kept alive, at most 4 KiB of the response is
 * read, and the whole exchange is bounded by `timeoutMs`; the client and its
 * settings are in delivery-client.ts.
 */
import { BlockedDestinationError, destinationProblem, type LookupFunction } from './destination-guard.js';
import { createDeliveryClient, postCapped, type DeliveryClient, type DeliveryRequest } from './delivery-client.js';

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
  private readonly client: DeliveryClient;

  constructor(private readonly options: DelivererOptions) {
    this.client = createDeliveryClient(options);
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    if (!this.options.allowPrivateDestinations) {
      const problem = destinationProblem(request.url);
      if (problem) {
        return {
          kind: 'blocked',
          statusCode: null,
          durationMs: elapsed(),
          responseBody: null,
          error: `blocked destination: ${request.url} ${problem}`,
          retryAfterMs: null,
        };
      }
    }
    try {
      const { statusCode, body, retryAfter } = await postCapped(this.client, request);
      return {
        kind: classifyStatus(statusCode),
        statusCode,
        durationMs: elapsed(),
        responseBody: body,
        error: null,
        retryAfterMs: parseRetryAfter(retryAfter),
      };
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

  close(): void {
    this.client.close();
  }
}
