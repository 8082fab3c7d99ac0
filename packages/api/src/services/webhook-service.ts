/**
 * Webhook subscriptions: create, read, update, soft-delete, secrets. Disabling
 * or deleting a webhook cancels its pending notifications in the same
 * transaction, so the worker never delivers to a subscription that is gone.
 */
import {
  NotFoundError,
  ValidationError,
  compileFilter,
  filterDocument,
  decodePageToken,
  encodePageToken,
  generateSecret,
  type EndpointAuth,
  type EndpointHeaders,
  type FilterOutcome,
  type SecretBox,
} from '@hookrelay/core';
import { destinationProblem } from '@hookrelay/delivery';
import {
  listWebhooks,
  Prisma,
  TenantsRepository,
  WebhooksRepository,
  type PrismaClient,
  type Queryable,
  type Webhook,
  type WebhookChanges,
} from '@hookrelay/db';
import type { EventTypeService } from './event-type-service.js';
import { isUuid } from './ids.js';
import { sealedEndpointSettings } from './endpoint-settings-input.js';

/** How long deliveries keep being signed with the previous secret after a rotation. */
export const PREVIOUS_SECRET_TTL_MS = 24 * 3600 * 1000;

export interface CreateWebhookInput {
  url: string;
  enabled_events: string[];
  is_enabled: boolean;
  description?: string;
  metadata?: Prisma.InputJsonObject;
  rate_limit?: number | null;
  headers?: EndpointHeaders | null;
  auth?: EndpointAuth | null;
  /** validated by the request schema; null removes it */
  filter?: Record<string, unknown> | null;
  max_in_flight?: number | null;
  ordered?: boolean;
}

export type UpdateWebhookInput = Partial<CreateWebhookInput>;

/** The event of a `:test-filter` request (validated as for POST /v1/events). */
export interface TestFilterEvent {
  type: string;
  resource: unknown;
  changed_fields?: unknown;
}

export interface ListWebhooksInput {
  limit: number;
  page_token?: string;
  is_enabled?: boolean;
  event_type?: string;
}

export interface WebhookPage {
  webhooks: Webhook[];
  nextPageToken: string | null;
}

export interface WebhookServiceDeps {
  db: PrismaClient;
  /** the list read goes straight through node-postgres */
  pool: Queryable;
  eventTypes: EventTypeService;
  /** encrypts secrets before they are stored, decrypts them when read */
  secrets: SecretBox;
  /** ALLOW_PRIVATE_DESTINATIONS: when false, URLs into loopback/private/link-local space are refused */
  allowPrivateDestinations: boolean;
  now?: () => Date;
}

/** The SSRF guard at the door: a 400 naming `url` for a destination inside the network. */
export function assertDestinationAllowed(url: string, allowPrivateDestinations: boolean): void {
  if (allowPrivateDestinations) return;
  const problem = destinationProblem(url);
  if (problem) {
    throw new ValidationError(`"url" ${problem}`, [
      { field: 'url', message: `"url" ${problem}; set ALLOW_PRIVATE_DESTINATIONS=true to allow such destinations` },
    ]);
  }
}

/** A filter as stored: compiled once here (a FilterError is a 400), Prisma.DbNull for `null`, undefined when not given. */
function storedFilter(filter: Record<string, unknown> | null | undefined): Prisma.InputJsonObject | typeof Prisma.DbNull | undefined {
  if (filter === undefined) return undefined;
  if (filter === null) return Prisma.DbNull;
  return compileFilter(filter).source as Prisma.InputJsonObject;
}

export class WebhookService {
  private readonly webhooks: WebhooksRepository;
  private readonly tenants: TenantsRepository;
  private readonly now: () => Date;

  constructor(private readonly deps: WebhookServiceDeps) {
    this.webhooks = new WebhooksRepository(deps.db);
    this.tenants = new TenantsRepository(deps.db);
    this.now = deps.now ?? (() => new Date());
  }

  async create(tenant: string, input: CreateWebhookInput): Promise<Webhook> {
    assertDestinationAllowed(input.url, this.deps.allowPrivateDestinations);
    const endpoint = sealedEndpointSettings(input, this.deps);
    await this.deps.eventTypes.assertSubscribable(tenant, input.enabled_events);
    await this.tenants.ensure(tenant);
    const secret = generateSecret();
    const created = await this.webhooks.create({
      tenantId: tenant,
      url: input.url,
      enabledEvents: input.enabled_events,
      isEnabled: input.is_enabled,
      description: input.description ?? null,
      metadata: input.metadata ?? {},
      rateLimit: input.rate_limit ?? null,
      maxInFlight: input.max_in_flight ?? null,
      ordered: input.ordered ?? false,
      secret: this.deps.secrets.seal(secret),
      ...endpoint,
      filter: storedFilter(input.filter) ?? Prisma.DbNull,
    });
    return { ...created, secret };
  }

  /** `tenant` null: any tenant (admin lookups by id). Unknown, deleted, foreign or malformed ids are all 404. */
  async get(tenant: string | null, id: string): Promise<Webhook> {
    const webhook = isUuid(id) ? await this.webhooks.find(id, tenant) : null;
    if (!webhook) throw new NotFoundError(`Webhook ${id} not found`);
    return this.deps.secrets.reveal(webhook);
  }

  async list(tenant: string, input: ListWebhooksInput): Promise<WebhookPage> {
    const rows = await listWebhooks(this.deps.pool, {
      tenantId: tenant,
      limit: input.limit + 1,
      after: decodePageToken(input.page_token),
      isEnabled: input.is_enabled,
      eventType: input.event_type,
    });
    // listed webhooks never show their secret: no need to decrypt it
    const webhooks = rows.slice(0, input.limit);
    const last = webhooks[webhooks.length - 1];
    const nextPageToken = rows.length > input.limit && last ? encodePageToken({ createdAt: last.createdAt, id: last.id }) : null;
    return { webhooks, nextPageToken };
  }

  async update(tenant: string | null, id: string, input: UpdateWebhookInput): Promise<Webhook> {
    if (Object.values(input).every((v) => v === undefined)) {
      throw new ValidationError('The request body must change at least one webhook field', [{ field: 'body', message: 'no webhook field to update' }]);
    }
    if (input.url !== undefined) assertDestinationAllowed(input.url, this.deps.allowPrivateDestinations);
    const current = await this.get(tenant, id);
    if (input.enabled_events) await this.deps.eventTypes.assertSubscribable(current.tenantId, input.enabled_events);
    const changes: WebhookChanges = {
      url: input.url,
      enabledEvents: input.enabled_events,
      isEnabled: input.is_enabled,
      description: input.description,
      metadata: input.metadata,
      rateLimit: input.rate_limit,
      ...sealedEndpointSettings(input, this.deps, current.headers),
      filter: storedFilter(input.filter),
      maxInFlight: input.max_in_flight,
      ordered: input.ordered,
    };
    if (input.is_enabled === true) {
      // Re-enabling starts afresh: no stale reason, no inherited failure streak.
      changes.disabledReason = null;
      changes.failingSince = null;
    }
    return this.deps.db.$transaction(async (tx) => {
      const webhooks = new WebhooksRepository(tx);
      const updated = await webhooks.update(current.id, changes);
      if (input.is_enabled === false) await webhooks.cancelPendingNotifications(current.id);
      return this.deps.secrets.reveal(updated);
    });
  }

  /** `:test-filter`: the webhook's filter against one event (enabled_events are not considered). */
  async testFilter(tenant: string | null, id: string, event: TestFilterEvent): Promise<FilterOutcome> {
    const webhook = await this.get(tenant, id);
    if (!(await this.deps.eventTypes.catalog(webhook.tenantId)).includes(event.type)) {
      throw new ValidationError(`Unknown event type "${event.type}"`, [
        { field: 'event.type', message: `"event.type" ${event.type} is not a known event type` },
      ]);
    }
    if (webhook.filter === null) return { matches: true, reason: 'the webhook has no filter: every event of its enabled_events matches' };
    return compileFilter(webhook.filter).test(filterDocument(event));
  }

  async delete(tenant: string | null, id: string): Promise<void> {
    const current = await this.get(tenant, id);
    await this.deps.db.$transaction(async (tx) => {
      const webhooks = new WebhooksRepository(tx);
      await webhooks.softDelete(current.id);
      await webhooks.cancelPendingNotifications(current.id);
    });
  }

  async getSecret(tenant: string | null, id: string): Promise<string> {
    return (await this.get(tenant, id)).secret;
  }

  /** The old secret stays valid (deliveries signed with both) for PREVIOUS_SECRET_TTL_MS. */
  async rotateSecret(tenant: string | null, id: string): Promise<string> {
    const current = await this.get(tenant, id);
    const secret = generateSecret();
    const expiresAt = new Date(this.now().getTime() + PREVIOUS_SECRET_TTL_MS);
    const secrets = this.deps.secrets;
    await this.webhooks.rotateSecret(current.id, secrets.seal(secret), secrets.seal(current.secret), expiresAt);
    return secret;
  }
}
