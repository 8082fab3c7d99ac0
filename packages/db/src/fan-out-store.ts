/**
 * Fan-out: an event and one PENDING notification per enabled webhook of its
 * tenant whose `enabled_events` match, written by a single statement (so
 * atomically, without a transaction block). Concurrent publishes share
 * statements through a Batcher, which is what lets HTTP ingest and the
 * events worker keep up with thousands of events a second.
 */
import type pg from 'pg';
import { Batcher, patternsMatching } from '@hookrelay/core';
import { isDataError } from './events-repository.js';
import { FilterCache, FILTER_JOIN, KNOWN_FILTERS_CTE, type FilterPlan } from './fan-out-filter.js';
import type { Db, Event } from './client.js';

export interface NewEvent {
  id: string;
  tenantId: string;
  type: string;
  resource: string | null;
  changedFields: string | null;
  eventTime: Date;
  idempotencyKey: string | null;
  /** notifications of ordered webhooks carry it, with a publish sequence */
  orderingKey: string | null;
}

/** null: an event with that id, or that tenant's idempotency key, exists already; nothing was written. */
export type FanOutResult = { event: Event; notificationIds: string[] /** aligned with notificationIds */; webhookIds?: string[] } | null;

/**
 * An event whose id or (tenant, idempotency key) exists is skipped (ON
 * CONFLICT DO NOTHING) and so are its notifications: the caller looks the
 * existing one up. A webhook receives the event when its enabled_events hold
 * the type itself, `*`, or a `PREFIX.*` above it (the patterns are computed
 * in patternsMatching, the same rule as everywhere else) and its `filter`,
 * if any, matches the event (evaluated in this process from a cache, or in
 * SQL when the cache does not know the webhook's current version: see
 * fan-out-filter.ts).
 */
const FAN_OUT = `
  WITH input AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(
      id uuid, tenant_id text, type text, resource text, changed_fields text,
      event_time timestamptz, idempotency_key text, patterns text[], allowed int[], ordering_key text, ord int)
  ),
  e AS (
    INSERT INTO events (id, tenant_id, type, resource, changed_fields, event_time, idempotency_key, ordering_key)
    SELECT id, tenant_id, type, resource, changed_fields, event_time, idempotency_key, ordering_key FROM input
    ON CONFLICT DO NOTHING
    RETURNING id, created_at
  ),
  ${KNOWN_FILTERS_CTE},
  n AS (
    INSERT INTO notifications (id, tenant_id, event_id, webhook_id, type, next_attempt_at, ordering_key, order_seq)
    SELECT hookrelay_uuid_v7(), m.tenant_id, m.id, m.webhook_id, m.type, now(), m.ordering_key,
           -- ordered delivery: the publish sequence, drawn in input (publish) order
           CASE WHEN m.ordering_key IS NOT NULL THEN nextval('notifications_order_seq') END
    FROM (
      SELECT i.tenant_id, i.id, w.id AS webhook_id, i.type, CASE WHEN w.ordered THEN i.ordering_key END AS ordering_key
      FROM e
      JOIN input i ON i.id = e.id
      JOIN webhooks w ON w.tenant_id = i.tenant_id AND w.is_enabled AND w.deleted_at IS NULL AND w.enabled_events && i.patterns
      ${FILTER_JOIN}
      ORDER BY i.ord, w.id
    ) m
    RETURNING id, event_id, webhook_id
  )
  SELECT e.id, e.created_at AS "createdAt",
         COALESCE(array_agg(n.id::text ORDER BY n.id) FILTER (WHERE n.id IS NOT NULL), '{}') AS "notificationIds",
         COALESCE(array_agg(n.webhook_id::text ORDER BY n.id) FILTER (WHERE n.id IS NOT NULL), '{}') AS "webhookIds"
  FROM e LEFT JOIN n ON n.event_id = e.id
  GROUP BY e.id, e.created_at`;

export interface FanOutStoreOptions {
  /** most events per statement (default 100) */
  maxBatch?: number;
  /** statements running at once (default 2) */
  maxInFlight?: number;
}

export class FanOutStore {
  private readonly batcher: Batcher<NewEvent, FanOutResult>;
  /** compiled webhook filters of this process (fan-out-filter.ts) */
  readonly filters: FilterCache;

  constructor(
    private readonly pool: pg.Pool,
    options: FanOutStoreOptions = {},
  ) {
    this.filters = new FilterCache(pool);
    this.batcher = new Batcher((events) => this.fanOutMany(events), {
      maxBatch: options.maxBatch ?? 100,
      maxInFlight: options.maxInFlight ?? 2,
      isolateOn: isDataError,
    });
  }

  fanOut(event: NewEvent): Promise<FanOutResult> {
    return this.batcher.submit(event);
  }

  /**
   * A whole batch of events (one POST /v1/events:batch) in one statement of
   * its own, outside the shared batcher: all of them are committed when it
   * returns, or none (the caller isolates a data error by retrying each
   * event through `fanOut`). Each event of the batch must have its own id.
   */
  fanOutBatch(events: NewEvent[]): Promise<FanOutResult[]> {
    return events.length ? this.fanOutMany(events) : Promise.resolve([]);
  }

  /**
   * The same statement inside the caller's (Prisma) transaction, unbatched:
   * the event and its notifications commit or roll back with the caller's
   * own writes.
   */
  static async fanOutWithin(tx: Db, event: NewEvent): Promise<FanOutResult> {
    // no filter cache here: any filter is evaluated in SQL
    const rows = await tx.$queryRawUnsafe<FanOutRow[]>(FAN_OUT, toInputJson([event], { ids: [], versions: [], allowed: [[]] }), [], []);
    return resultsFor([event], rows)[0]!;
  }

  private async fanOutMany(batch: NewEvent[]): Promise<FanOutResult[]> {
    // the same id twice in one statement would fan out twice: the later ones wait for the next batch's answer (null)
    const seen = new Set<string>();
    const events = batch.filter((e) => !seen.has(e.id) && seen.add(e.id));
    const plan = this.filters.plan(events);
    const { rows } = await this.pool.query<FanOutRow>({
      name: 'hookrelay_fan_out',
      text: FAN_OUT,
      values: [toInputJson(events, plan), plan.ids, plan.versions],
    });
    return resultsFor(batch, rows);
  }
}

interface FanOutRow {
  id: string;
  createdAt: Date;
  notificationIds: string[];
  webhookIds: string[];
}

function toInputJson(events: NewEvent[], plan: FilterPlan): string {
  return JSON.stringify(
    events.map((e, i) => ({
      id: e.id,
      tenant_id: e.tenantId,
      type: e.type,
      resource: e.resource,
      changed_fields: e.changedFields,
      event_time: e.eventTime,
      idempotency_key: e.idempotencyKey,
      patterns: patternsMatching(e.type),
      allowed: plan.allowed[i],
      ordering_key: e.orderingKey ?? null,
      ord: i,
    })),
  );
}

/** One result per event of `batch`, in order; a repeated id gets its row once. */
function resultsFor(batch: NewEvent[], rows: FanOutRow[]): FanOutResult[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const taken = new Set<string>();
  return batch.map((e) => {
    const row = taken.has(e.id) ? undefined : byId.get(e.id);
    taken.add(e.id);
    return row ? { event: { ...e, createdAt: row.createdAt }, notificationIds: row.notificationIds, webhookIds: row.webhookIds } : null;
  });
}
