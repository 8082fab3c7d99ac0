/**
 * What every request to a webhook's endpoint carries besides the signed
 * callback: its extra `headers` and its `auth` credentials. One module for
 * every trigger (scheduled and sendexpired deliveries in the worker, ping
 * and resend in the API), so they cannot drift:
 *
 *   const result = await endpoints.deliver(deliverer, webhook, { url, body, headers: signed })
 *
 * The signed callback headers (content-type, user-agent, webhook-*) are
 * applied last and reserved names are dropped, so no stored header can
 * override them. OAuth2: an endpoint answering 401 gets one new token and
 * the request once more, within the same attempt.
 */
import { HEADER_NAME, isReservedHeader, openAuth, openHeaders, type EndpointAuth, type SecretBox } from '@hookrelay/core';
import type { Deliverer, DeliveryResult } from './deliverer.js';
import type { DeliveryRequest } from './delivery-client.js';
import { OAuth2TokenError, OAuth2TokenProvider } from './oauth2-token-provider.js';

/** A webhook's stored endpoint settings (values sealed), as the delivery context or the webhook row holds them. */
export interface EndpointSettings {
  webhookId: string;
  headers: unknown;
  auth: unknown;
}

/** The Authorization value for Basic or bearer credentials; OAuth2 needs a token first. */
export function staticAuthorization(auth: EndpointAuth): string | null {
  if (auth.type === 'basic') return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
  if (auth.type === 'bearer') return `Bearer ${auth.token}`;
  return null;
}

/**
 * The outgoing headers: the endpoint's extra headers (reserved or invalid
 * names dropped), then Authorization, then the signed callback headers, which win
 * over anything before them.
 */
export function endpointHeaders(extra: [string, string][], authorization: string | null, signed: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of extra) if (HEADER_NAME.test(name) && !isReservedHeader(name)) headers[name] = value;
  if (authorization !== null) headers.authorization = authorization;
  return Object.assign(headers, signed);
}

export interface EndpointRequestsOptions {
  secrets: SecretBox;
  tokens: OAuth2TokenProvider;
  /** DELIVERY_TIMEOUT_MS: after a 401 the request is sent again only while less than half of it has passed */
  timeoutMs: number;
}

export class EndpointRequests {
  constructor(private readonly options: EndpointRequestsOptions) {}

  /**
   * One attempt to the endpoint: `request` (the signed callback) with the
   * webhook's headers and credentials. A token that cannot be obtained is a
   * failed attempt whose error says so. Stored values the configured keys
   * cannot open throw SecretDecryptionError, as the signing secret does.
   */
  async deliver(deliverer: Deliverer, endpoint: EndpointSettings, request: DeliveryRequest): Promise<DeliveryResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const { secrets, tokens } = this.options;
    const extra = openHeaders(endpoint.headers, secrets);
    const auth = openAuth(endpoint.auth, secrets);
    if (auth?.type !== 'oauth2_client_credentials') {
      return deliverer.deliver({ ...request, headers: endpointHeaders(extra, auth ? staticAuthorization(auth) : null, request.headers) });
    }
    const send = async (): Promise<{ token: string; result: DeliveryResult } | DeliveryResult> => {
      let token: string;
      try {
        token = await tokens.token(endpoint.webhookId, auth);
      } catch (error) {
        if (!(error instanceof OAuth2TokenError)) throw error;
        return {
          kind: error.blocked ? 'blocked' : 'retryable',
          statusCode: null,
          durationMs: elapsed(),
          responseBody: null,
          error: error.message,
          retryAfterMs: null,
        };
      }
      const result = await deliverer.deliver({ ...request, headers: endpointHeaders(extra, `Bearer ${token}`, request.headers) });
      return { token, result };
    };
    const first = await send();
    if (!('token' in first)) return first;
    if (first.result.statusCode !== 401 || elapsed() >= this.options.timeoutMs / 2) return { ...first.result, durationMs: elapsed() };
    tokens.invalidate(endpoint.webhookId, auth, first.token);
    const second = await send();
    return { ...('token' in second ? second.result : second), durationMs: elapsed() };
  }
}

/** The token request gets half of DELIVERY_TIMEOUT_MS (at least 1 s), so that an attempt stays within the job's lock. */
export function tokenTimeoutFor(deliveryTimeoutMs: number): number {
  return Math.max(1000, Math.floor(deliveryTimeoutMs / 2));
}

/** The EndpointRequests of one process (worker or API): its own token cache. */
export function createEndpointRequests(secrets: SecretBox, delivery: { timeoutMs: number; allowPrivateDestinations: boolean }): EndpointRequests {
  const tokens = new OAuth2TokenProvider({ timeoutMs: tokenTimeoutFor(delivery.timeoutMs), allowPrivateDestinations: delivery.allowPrivateDestinations });
  return new EndpointRequests({ secrets, tokens, timeoutMs: delivery.timeoutMs });
}
