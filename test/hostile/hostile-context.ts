/** What the hostile tables are built from: the seeded resources and the documented operations. */
import type { RawRequest } from '../support/raw-http.js';

export const BATCH = '/v1/events:batch';

export interface HostileCase {
  /** `METHOD /openapi/path` of the operation attacked */
  route: string;
  name: string;
  request: RawRequest;
  /** the exact statuses accepted (all 4xx); any 4xx when omitted */
  expect?: number[];
}

export type AddCase = (route: string, name: string, request: RawRequest, expect?: number[]) => void;

export interface HostileContext {
  tenant: string;
  adminKey: string;
  /** one of each resource, so that a path with an id names one that exists and only the attack is wrong */
  seed: { webhookId: string; notificationId: string; apiKeyId: string; tenantKey: string; eventType: string };
  /** `METHOD /openapi/path` of every documented operation */
  operations: string[];
}

/** the operations' paths with `{id}` filled with a seeded id (so only the attack is wrong) */
export function concrete(ctx: HostileContext, path: string): string {
  if (path.startsWith('/v1/webhooks/{id}')) return path.replace('{id}', ctx.seed.webhookId);
  if (path.startsWith('/v1/notifications/{id}')) return path.replace('{id}', ctx.seed.notificationId);
  if (path.startsWith('/v1/api-keys/{id}')) return path.replace('{id}', ctx.seed.apiKeyId);
  if (path.startsWith('/v1/event-types/{name}')) return path.replace('{name}', 'HOSTILE.SCHEMA');
  return path;
}

export const adminHeaders = (ctx: HostileContext) => {
  const admin = { authorization: `Bearer ${ctx.adminKey}` };
  return { admin, json: { ...admin, 'content-type': 'application/json' } };
};
