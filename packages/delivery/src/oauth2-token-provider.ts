/**
 * OAuth2 client-credentials access tokens for webhooks whose `auth` is
 * `oauth2_client_credentials` (RFC 6749 §4.4).
 *
 * - Request: POST token_url, form body `grant_type=client_credentials`
 *   (+ `scope`, `audience` when set), client authentication
 *   `client_secret_basic` (RFC 6749 §2.3.1: HTTP Basic with the
 *   form-urlencoded client_id and client_secret). Sent with got, redirects
 *   not followed, no retries, through the destination guard (literal hosts
 *   and every resolved address), bounded by a timeout.
 * - Cache: in this process's memory, per webhook id and configuration (a
 *   hash of token_url, client_id, client_secret, scope, audience, so a
 *   changed configuration never uses an old token), until `expires_in`
 *   minus a margin. Concurrent callers share one in-flight request.
 *   Failures are not cached: the next attempt asks again.
 */
import { createHash } from 'node:crypto';
import got from 'got';
import type { OAuth2ClientCredentials } from '@hookrelay/core';
import { USER_AGENT } from './callback.js';
import { BlockedDestinationError, destinationProblem, guardLookup, guardedLookup, type LookupFunction } from './destination-guard.js';

/** Tokens without `expires_in` are kept this long (the 401 refetch covers an earlier expiry). */
export const DEFAULT_TOKEN_LIFETIME_MS = 300_000;
/** A token is dropped this long before it expires: 10% of its lifetime, at most 30 s. */
const MAX_EXPIRY_MARGIN_MS = 30_000;
/** Token responses larger than this are refused. */
const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;
/** Tokens kept at most (oldest dropped first). */
const MAX_CACHED_TOKENS = 10_000;
const ACCESS_TOKEN = /^[\x21-\x7E]+$/;

/** A token could not be obtained; the message is what the attempt's `error` says. */
export class OAuth2TokenError extends Error {
  constructor(
    reason: string,
    readonly blocked = false,
  ) {
    super(`oauth2 token request failed: ${reason}`);
    this.name = 'OAuth2TokenError';
  }
}

export interface OAuth2TokenProviderOptions {
  /** per token request */
  timeoutMs: number;
  allowPrivateDestinations: boolean;
  /** resolver whose answers are checked (default dns.lookup); tests inject one */
  lookup?: LookupFunction;
  now?: () => number;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

export class OAuth2TokenProvider {
  private readonly cached = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly lookup: typeof guardedLookup | undefined;
  private readonly now: () => number;

  constructor(private readonly options: OAuth2TokenProviderOptions) {
    this.lookup = options.allowPrivateDestinations ? undefined : options.lookup ? guardLookup(options.lookup) : guardedLookup;
    this.now = options.now ?? Date.now;
  }

  /** A valid token for this webhook and configuration: cached, joined in flight, or fetched now. Throws OAuth2TokenError. */
  token(webhookId: string, credentials: OAuth2ClientCredentials): Promise<string> {
    const key = cacheKey(webhookId, credentials);
    const hit = this.cached.get(key);
    if (hit && hit.expiresAt > this.now()) return Promise.resolve(hit.token);
    if (hit) this.cached.delete(key);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.fetch(credentials)
        .then(({ token, lifetimeMs }) => {
          this.remember(key, token, lifetimeMs);
          return token;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /**
   * The endpoint refused `token` (401): forget it, unless a newer one
   * replaced it already (concurrent deliveries refused with the same token
   * then share one new fetch).
   */
  invalidate(webhookId: string, credentials: OAuth2ClientCredentials, token: string): void {
    const key = cacheKey(webhookId, credentials);
    if (this.cached.get(key)?.token === token) this.cached.delete(key);
  }

  private remember(key: string, token: string, lifetimeMs: number): void {
    const margin = Math.min(MAX_EXPIRY_MARGIN_MS, lifetimeMs / 10);
    if (lifetimeMs - margin <= 0) return;
    if (this.cached.size >= MAX_CACHED_TOKENS) this.cached.delete(this.cached.keys().next().value!);
    this.cached.set(key, { token, expiresAt: this.now() + lifetimeMs - margin });
  }

  private async fetch(credentials: OAuth2ClientCredentials): Promise<{ token: string; lifetimeMs: number }> {
    if (!this.options.allowPrivateDestinations) {
      const problem = destinationProblem(credentials.token_url);
      if (problem) throw new OAuth2TokenError(`blocked destination: token_url ${problem}`, true);
    }
    const form: Record<string, string> = { grant_type: 'client_credentials' };
    if (credentials.scope) form.scope = credentials.scope;
    if (credentials.audience) form.audience = credentials.audience;
    const basic = Buffer.from(`${formEncode(credentials.client_id)}:${formEncode(credentials.client_secret)}`).toString('base64');
    let response: { statusCode: number; body: string };
    try {
      const request = got.post(credentials.token_url, {
        form,
        headers: { authorization: `Basic ${basic}`, accept: 'application/json', 'user-agent': USER_AGENT },
        timeout: { request: this.options.timeoutMs },
        retry: { limit: 0 },
        followRedirect: false,
        throwHttpErrors: false,
        responseType: 'text',
        ...(this.lookup ? { dnsLookup: this.lookup as never } : {}),
      });
      request.on('downloadProgress', ({ transferred }: { transferred: number }) => {
        if (transferred > MAX_TOKEN_RESPONSE_BYTES) request.cancel('response too large');
      });
      response = await request;
    } catch (error) {
      throw requestFailure(error);
    }
    if (response.statusCode < 200 || response.statusCode >= 300) throw new OAuth2TokenError(`HTTP ${response.statusCode}`);
    return parseTokenResponse(response.body);
  }
}

/** RFC 6749 §2.3.1: client_id and client_secret are form-urlencoded before Basic encoding. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function cacheKey(webhookId: string, c: OAuth2ClientCredentials): string {
  const config = JSON.stringify([c.token_url, c.client_id, c.client_secret, c.scope ?? null, c.audience ?? null]);
  return `${webhookId}:${createHash('sha256').update(config).digest('base64url')}`;
}

/** The access token and its lifetime from a successful token response (RFC 6749 §5.1). */
function parseTokenResponse(body: string): { token: string; lifetimeMs: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new OAuth2TokenError('the response is not JSON');
  }
  const { access_token: token, expires_in: expiresIn } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (typeof token !== 'string' || !ACCESS_TOKEN.test(token) || token.length > 8192) {
    throw new OAuth2TokenError('the response has no usable access_token');
  }
  const seconds = typeof expiresIn === 'number' ? expiresIn : typeof expiresIn === 'string' && /^\d+$/.test(expiresIn) ? Number(expiresIn) : null;
  const lifetimeMs = seconds !== null && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : DEFAULT_TOKEN_LIFETIME_MS;
  return { token, lifetimeMs };
}

/** What a failed token request says; never the credentials. */
function requestFailure(error: unknown): OAuth2TokenError {
  const e = error as { code?: string; message?: string; cause?: unknown };
  if (e.code === 'EBLOCKEDDESTINATION' || e.cause instanceof BlockedDestinationError || error instanceof BlockedDestinationError) {
    const blocked = e.cause instanceof BlockedDestinationError ? e.cause : error;
    return new OAuth2TokenError(`blocked destination: ${(blocked as Error).message}`, true);
  }
  if (e.code === 'ETIMEDOUT') return new OAuth2TokenError('timed out');
  if (e.code === 'ERR_CANCELED') return new OAuth2TokenError('the response is too large');
  return new OAuth2TokenError(e.code ? `${e.code}: ${e.message ?? ''}`.trim() : 'network error');
}
