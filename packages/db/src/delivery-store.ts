/**
 * Every delivery attempt's reads and writes over plain node-postgres: load a
 * notification with everything its delivery needs, and record an attempt
 * together with the notification's next state (scheduled attempts, batched;
 * resend, one at a time). Concurrent deliveries share statements through
 * a Batcher, so at full speed a few hundred deliveries cost a handful of
 * round trips and commits instead of two each. The statements are prepared
 * once per connection (named queries).
 */
import type pg from 'pg';
import { Batcher } from '@hookrelay/core';
import { isDataError } from './events-repository.js';
import type { AttemptOutcome, AttemptRecord, DeliveryContext } from './delivery-context.js';
import { enterStatus, fromGuard } from './notification-state.js';

/** The columns of a DeliveryContext, from notifications n, events e and webhooks w. */
const DELIVERY_CONTEXT_COLUMNS = `
  n.id, n.tenant_id AS "tenantId", n.status, n.attempt_count AS "attemptCount",
  n.cycle_attempts AS "cycleAttempts", n.cycle_trigger AS "cycleTrigger", n.next_attempt_at AS "nextAttemptAt", n.type,
  e.id AS "eventId", e.event_time AS "eventTime", e.resource, e.changed_fields AS "changedFields",
  w.id AS "webhookId", w.url, w.metadata, w.secret, w.previous_secret AS "previousSecret",
  w.previous_secret_expires_at AS "previousSecretExpiresAt", w.rate_limit AS "rateLimit", w.max_in_flight AS "maxInFlight", n.ordering_key AS "orderingKey", n.order_seq::text AS "orderSeq",
  w.is_enabled AS "webhookEnabled", (w.deleted_at IS NOT NULL) AS "webhookDeleted",
  w.failing_since AS "failingSince", w.headers, w.auth`;

/**
 * Each row is fetched by its key on its own (OFFSET 0 keeps each subquery
 * from being merged into one join), so the plan is three primary-key lookups
 * per id whatever the statistics say. As one join over `n.id = ANY($1)`,
 * statistics taken while the tables were nearly empty (a fresh install,
 * autovacuum off or not yet run) made the planner walk every notification of
 * each webhook: a load of 40 ids took 6 ms at 40,000 notifications and 26 ms
 * at 88,000 (EXPLAIN ANALYZE), and Postgres took 1 ms of CPU per delivery in
 * the bench. Now well under 1 ms for 40 at any size
 * (test/pipeline/stale-statistics.test.ts).
 *
 * The ids come as a JSON array: the planner then assumes the same number of
 * them whatever the batch (it read the length of a uuid[] parameter), so
 * after five runs Postgres keeps one generic plan instead of planning every
 * load again. With a uuid[] it planned about every other load in the noisy
 * bench (4,685 plans for 9,611 loads, pg_stat_statements), 0.2-0.4 ms of
 * Postgres CPU each, where running the kept plan for one id takes under
 * 0.1 ms.
 */
const LOAD_MANY = `
  SELECT ${DELIVERY_CONTEXT_COLUMNS}
  FROM (SELECT value::uuid AS id FROM jsonb_array_elements_text($1::jsonb)) AS k
  CROSS JOIN LATERAL (SELECT * FROM notifications WHERE id = k.id OFFSET 0) n
  CROSS JOIN LATERAL (SELECT * FROM events WHERE id = n.event_id OFFSET 0) e
  CROSS JOIN LATERAL (SELECT * FROM webhooks WHERE id = n.webhook_id OFFSET 0) w`;

/**
 * The attempt row is written whatever happens (it was made); the notification
 * moves only while it is still PENDING, so a cancellation that raced the
 * delivery wins, and only when its attempt row is new, so an attempt number
 * recorded a second time (the same job run twice) does not move it again.
 * Returns the ids that moved.
 *
 * Committed without waiting for the WAL flush (synchronous_commit off for this
 * statement's transaction only): if Postgres itself crashes, the last
 * fraction of a second of attempt records may be lost, which leaves those
 * notifications PENDING; the reconciler enqueues them again and they are
 * delivered once more with the same webhook-id (at least once, never lost).
 * Events and notifications are still created with a synchronous commit.
 */
const RECORD_MANY = `
  WITH input AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(
      notification_id uuid, attempt_number int, attempted_at timestamptz, duration_ms int, status_code int,
      response_body text, error text, trigger "AttemptTrigger", status "NotificationStatus", next_attempt_at timestamptz)
  ),
  a AS (
    INSERT INTO attempts (id, notification_id, attempt_number, attempted_at, duration_ms, status_code, response_body, error, trigger)
    SELECT hookrelay_uuid_v7(), notification_id, attempt_number, attempted_at, duration_ms, status_code, response_body, error, trigger
    FROM input
    ON CONFLICT (notification_id, attempt_number) DO NOTHING
    RETURNING notification_id, attempt_number
  )
  UPDATE notifications n SET
    ${enterStatus({ status: { sql: 'i.status' }, at: 'i.attempted_at', next: 'i.next_attempt_at', row: 'n' })},
    attempt_count = n.attempt_count + 1,
    cycle_attempts = n.cycle_attempts + 1,
    last_status_code = i.status_code
  -- only an attempt whose row this statement wrote moves the notification: the same attempt recorded
  -- twice (a job run twice at once) counts once, so attempt_count never runs ahead of the attempt rows
  FROM input i JOIN a ON a.notification_id = i.notification_id AND a.attempt_number = i.attempt_number,
    (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed_commit
  -- Rows are found by primary key from the id list. The status test is on a
  -- cast so that it cannot use the (status, next_attempt_at) index: with
  -- stale statistics (a burst of new notifications) the planner would
  -- otherwise read every PENDING entry of that index for each batch.
  WHERE n.id = ANY($2::uuid[]) AND n.id = i.notification_id AND ${fromGuard('attempt', { alias: 'n', asText: true })}
  RETURNING n.id`;

/**
 * An attempt made outside the schedule (resend), recorded without touching
 * the retry cycle: counted whatever its outcome; a success moves the
 * notification to SUCCEEDED (state machine: resend). The notification row is
 * locked first: one deleted meanwhile (retention) records nothing instead of
 * failing the attempt's foreign key, and concurrent resends of one
 * notification take their attempt numbers from its `attempt_count` one
 * after the other instead of colliding on the number each loaded before.
 */
const RECORD_RESEND = `
  WITH input AS (SELECT $2::timestamptz AS at, $7::boolean AS ok),
  target AS (SELECT id, attempt_count FROM notifications WHERE id = $1::uuid FOR UPDATE),
  a AS (
    INSERT INTO attempts (id, notification_id, attempt_number, attempted_at, duration_ms, status_code, response_body, error, trigger)
    SELECT hookrelay_uuid_v7(), target.id, target.attempt_count + 1, input.at, $3, $4, $5, $6, $8::"AttemptTrigger"
    FROM target, input
  )
  UPDATE notifications SET
    ${enterStatus({ status: 'SUCCEEDED', at: 'input.at', when: `input.ok AND ${fromGuard('resend')}` })},
    attempt_count = attempt_count + 1,
    last_status_code = $4
  FROM input
  WHERE id IN (SELECT id FROM target)
  RETURNING id`;

interface RecordItem {
  attempt: AttemptRecord;
  outcome: AttemptOutcome;
}

export interface DeliveryStoreOptions {
  /** most rows per statement (default 200) */
  maxBatch?: number;
  /** statements of each kind running at once (default 2) */
  maxInFlight?: number;
}

export class DeliveryStore {
  private readonly loads: Batcher<string, DeliveryContext | null>;
  private readonly records: Batcher<RecordItem, boolean>;

  constructor(
    private readonly pool: pg.Pool,
    options: DeliveryStoreOptions = {},
  ) {
    const batching = { maxBatch: options.maxBatch ?? 200, maxInFlight: options.maxInFlight ?? 2, isolateOn: isDataError };
    this.loads = new Batcher((ids) => this.loadMany(ids), batching);
    this.records = new Batcher((items) => this.recordMany(items), batching);
  }

  /** Everything one delivery needs, or null when the notification does not exist. */
  load(id: string): Promise<DeliveryContext | null> {
    return this.loads.submit(id);
  }

  /**
   * Records an attempt and moves the notification to its next state (one
   * statement for the whole batch). False when the notification was no
   * longer PENDING.
   */
  record(attempt: AttemptRecord, outcome: AttemptOutcome): Promise<boolean> {
    return this.records.submit({ attempt, outcome });
  }

  /** Records a resend's attempt (see RECORD_RESEND: numbered by the row, not `attemptNumber`); false when the notification no longer exists. */
  async recordResend(attempt: AttemptRecord, succeeded: boolean): Promise<boolean> {
    const { rowCount } = await this.pool.query({
      name: 'hookrelay_record_resend',
      text: RECORD_RESEND,
      values: [
        attempt.notificationId,
        attempt.attemptedAt,
        Math.round(attempt.durationMs),
        attempt.statusCode,
        attempt.responseBody,
        attempt.error,
        succeeded,
        attempt.trigger,
      ],
    });
    return (rowCount ?? 0) > 0;
  }

  private async loadMany(ids: string[]): Promise<(DeliveryContext | null)[]> {
    const { rows } = await this.pool.query<DeliveryContext>({ name: 'hookrelay_load_deliveries', text: LOAD_MANY, values: [JSON.stringify(ids)] });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  private async recordMany(items: RecordItem[]): Promise<boolean[]> {
    const input = items.map(({ attempt, outcome }) => ({
      notification_id: attempt.notificationId,
      attempt_number: attempt.attemptNumber,
      attempted_at: attempt.attemptedAt,
      duration_ms: Math.round(attempt.durationMs),
      status_code: attempt.statusCode,
      response_body: attempt.responseBody,
      error: attempt.error,
      trigger: attempt.trigger,
      status: outcome.status,
      next_attempt_at: outcome.status === 'PENDING' ? outcome.nextAttemptAt : null,
    }));
    const { rows } = await this.pool.query<{ id: string }>({
      name: 'hookrelay_record_attempts',
      text: RECORD_MANY,
      values: [JSON.stringify(input), items.map(({ attempt }) => attempt.notificationId)],
    });
    const moved = new Set(rows.map((row) => row.id));
    return items.map(({ attempt }) => moved.has(attempt.notificationId));
  }
}
