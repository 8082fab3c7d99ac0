/** The webhook as the API shows it: one shape, shared with the services that build WEBHOOK.DISABLED payloads. */
export { webhookView as presentWebhook, type WebhookView as WebhookResource } from '@hookrelay/services';
