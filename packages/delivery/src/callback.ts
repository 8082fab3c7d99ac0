/**
 * The callback a receiver gets: the reference's WebhookRequest body plus
 * `event_id` and `notification_id`, and Standard Webhooks headers.
 */
import { signatureHeader } from '@hookrelay/core';

export const USER_AGENT = 'Hookrelay/0.1';

export interface CallbackInput {
  notificationId: string;
  eventId: string;
  type: string;
  eventTime: Date;
  webhookId: string;
  url: string;
  metadata: unknown;
  resource: string | null;
  changedFields: string | null;
}

export function callbackBody(input: CallbackInput): string {
  const body: Record<string, string> = {
    event_time: input.eventTime.toISOString(),
    metadata: JSON.stringify(input.metadata ?? {}),
    type: input.type,
    url: input.url,
    webhook_id: input.webhookId,
  };
  // always present, as in the reference callback: "{}" when the event named no changed fields
  body.changed_fields = input.changedFields ?? '{}';
  body.resource = input.resource ?? '{}';
  body.event_id = input.eventId;
  body.notification_id = input.notificationId;
  return JSON.stringify(body);
}

/** The secrets a delivery is signed with: the current one, and the previous one while it is still valid. */
export function activeSecrets(webhook: { secret: string; previousSecret: string | null; previousSecretExpiresAt: Date | null }, now: Date): string[] {
  const secrets = [webhook.secret];
  if (webhook.previousSecret && webhook.previousSecretExpiresAt && webhook.previousSecretExpiresAt > now) {
    secrets.push(webhook.previousSecret);
  }
  return secrets;
}

export function callbackHeaders(messageId: string, body: string, secrets: readonly string[], now: Date): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'webhook-id': messageId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureHeader(secrets, messageId, timestamp, body),
  };
}

export interface SignedCallback {
  body: string;
  headers: Record<string, string>;
}

/** Body and signed headers of one callback; the notification id is the Standard Webhooks message id. */
export function signedCallback(
  input: CallbackInput & { secret: string; previousSecret: string | null; previousSecretExpiresAt: Date | null },
  now: Date,
): SignedCallback {
  const body = callbackBody(input);
  return { body, headers: callbackHeaders(input.notificationId, body, activeSecrets(input, now), now) };
}
