/**
 * What the webhook `auth` tests share: the endpoint stack, a real receiver
 * that accepts the configured Basic/bearer credentials and the tokens the
 * OAuth2 token server says are valid (401 otherwise), the token server, and
 * helpers to create a webhook, publish, and collect the Authorization
 * header each trigger (schedule, resend, ping) carried.
 */
import { startReceiver, type Receiver, type ReceivedRequest } from '../support/receiver.js';
import { startEndpointStack, type EndpointStack } from './endpoint-stack.js';
import { startTokenServer, type TokenServer } from './token-server.js';

export const PASSWORD = 'basic-password-9d2f71';
export const BEARER = 'static-bearer-token-5be03c';
export const CLIENT = { id: 'hookrelay-client', secret: 'client-secret-a81f6e&=+' };
export const NEW_CLIENT_SECRET = 'rotated-client-secret-03c5d9';

export const forNotification = (id: string) => (r: ReceivedRequest) => r.headers['webhook-id'] === id;

export interface AuthRig {
  readonly stack: EndpointStack;
  readonly receiver: Receiver;
  readonly tokens: TokenServer;
  /** the receiver's usual answers again, after a test changed them */
  acceptConfigured(): void;
  /** oauth2_client_credentials against the token server, with `extra` fields on top */
  oauth2(extra?: Record<string, unknown>): Record<string, unknown>;
  createWebhook(tenant: string, auth: unknown): Promise<any>;
  /** one CARD.CREATED event; its first notification's id */
  publish(tenant: string): Promise<string>;
  /** Delivered on schedule, resent, pinged: the Authorization header each carried. */
  authorizationOnEveryTrigger(tenant: string, webhookId: string): Promise<string[]>;
}

/** Starts them before the file's tests and stops them after. */
export function useAuthRig(): AuthRig {
  let stack: EndpointStack;
  let receiver: Receiver;
  let tokens: TokenServer;

  /** The receiver accepts Basic/bearer as configured and OAuth2 tokens the token server says are valid. */
  function acceptable(r: ReceivedRequest): boolean {
    const auth = r.headers.authorization ?? '';
    if (auth.startsWith('Basic ') || auth === `Bearer ${BEARER}`) return true;
    return tokens.isValid(auth.replace(/^Bearer /, ''));
  }
  const respond = (r: ReceivedRequest) => ({ status: r.headers.authorization === undefined || acceptable(r) ? 200 : 401 });

  beforeAll(async () => {
    stack = await startEndpointStack();
    tokens = await startTokenServer({ ...CLIENT });
    receiver = await startReceiver(respond);
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await receiver?.close();
    await tokens?.close();
  });

  const oauth2 = (extra: Record<string, unknown> = {}) => ({
    type: 'oauth2_client_credentials',
    token_url: tokens.url,
    client_id: CLIENT.id,
    client_secret: CLIENT.secret,
    scope: 'events:write audit',
    audience: 'https://api.example.com',
    ...extra,
  });

  async function publish(tenant: string): Promise<string> {
    const res = await stack.call('POST', '/v1/events', { tenant, type: 'CARD.CREATED', resource: { id: 'c1' } });
    expect(res.status).toBe(202);
    return res.body.notification_ids[0];
  }

  return {
    get stack() {
      return stack;
    },
    get receiver() {
      return receiver;
    },
    get tokens() {
      return tokens;
    },
    acceptConfigured: () => receiver.respondWith(respond),
    oauth2,
    publish,
    async createWebhook(tenant, auth) {
      const res = await stack.call('POST', '/v1/webhooks', { tenant, url: receiver.url, enabled_events: ['CARD.*'], is_enabled: true, auth });
      expect(res.status).toBe(201);
      return res.body;
    },
    async authorizationOnEveryTrigger(tenant, webhookId) {
      const nid = await publish(tenant);
      await stack.settled(nid, 'SUCCEEDED');
      expect((await stack.call('POST', `/v1/notifications/${nid}:resend`)).status).toBe(200);
      const [scheduled, resent] = (await receiver.waitFor(2, { filter: forNotification(nid) })).slice(-2);
      const before = receiver.requests.length;
      expect((await stack.call('POST', `/v1/webhooks/${webhookId}:ping`)).body).toMatchObject({ success: true, status_code: 200 });
      const ping = receiver.requests.slice(before).find((r) => JSON.parse(r.body).type === 'WEBHOOK.PING');
      return [scheduled!, resent!, ping!].map((r) => r.headers.authorization ?? '');
    },
  };
}
