/**
 * The retention sweep, run by the worker fleet: every
 * RETENTION_SWEEP_INTERVAL_MS one replica deletes the events older than
 * RETENTION_DAYS whose notifications are all final, with those
 * notifications and their attempts (RetentionStore), in short batches.
 *
 * One replica at a time, once per interval: a sweep starts only by taking a
 * Redis lease (`SET <prefix>:retention:lease <token> NX PX <interval>`). The
 * lease is not released at the end: it lapses one interval after it was
 * taken, and then the first replica to ask takes the next sweep. While a
 * sweep outlives its interval the holder extends the lease between batches,
 * so no other replica starts one meanwhile. Every replica waits for the
 * lease's remaining time before asking again.
 */
import { randomUUID } from 'node:crypto';
import { Counter, Histogram } from 'prom-client';
import type { Logger, RedisConnection } from '@hookrelay/core';
import { RetentionStore, RETENTION_START, type Database, type RetentionCursor } from '@hookrelay/db';
import type { Metrics } from '@hookrelay/delivery';

/** Most events per batch, and the notifications one batch aims at (fewer events when each has many). */
const MAX_EVENTS_PER_BATCH = 2000;
const TARGET_NOTIFICATIONS_PER_BATCH = 5000;
/** While sweeping, the lease is kept at least this far ahead (a batch is one short statement). */
const HOLD_MS = 30_000;

/** Extends the lease to `ARGV[2]` ms from now when it is still ours and would lapse sooner. */
const EXTEND = `
  if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
  if redis.call('pttl', KEYS[1]) < tonumber(ARGV[2]) then redis.call('pexpire', KEYS[1], ARGV[2]) end
  return 1`;

/** At the end of a sweep: the lease (still ours) lapses `ARGV[2]` ms from now, or at once. */
const SETTLE = `
  if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
  if tonumber(ARGV[2]) <= 0 then return redis.call('del', KEYS[1]) end
  return redis.call('pexpire', KEYS[1], ARGV[2])`;

export interface SweepResult {
  events: number;
  notifications: number;
  attempts: number;
  batches: number;
  durationMs: number;
}

export interface RetentionOptions {
  maxAgeMs: number;
  sweepIntervalMs: number;
  queuePrefix: string;
}

export class RetentionSweeper {
  private readonly store: RetentionStore;
  private readonly key: string;
  private readonly sweeps: Counter<'result'>;
  private readonly deleted: Counter<'table'>;
  private readonly duration: Histogram;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    pool: Database['pool'],
    private readonly redis: RedisConnection,
    private readonly options: RetentionOptions,
    private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.store = new RetentionStore(pool);
    this.key = `${options.queuePrefix}:retention:lease`;
    const registers = [metrics.registry];
    this.sweeps = new Counter({
      name: 'hookrelay_retention_sweeps_total',
      help: 'Retention sweeps run by this process, by result (completed, failed)',
      labelNames: ['result'],
      registers,
    });
    this.deleted = new Counter({
      name: 'hookrelay_retention_deleted_rows_total',
      help: 'Rows deleted by retention sweeps, by table (events, notifications, attempts)',
      labelNames: ['table'],
      registers,
    });
    this.duration = new Histogram({
      name: 'hookrelay_retention_sweep_duration_seconds',
      help: 'Duration of retention sweeps',
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
      registers,
    });
  }

  /** Starts the schedule: the first attempt at once, then whenever the lease lapses. */
  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => (this.running = undefined));
    }, ms).unref();
  }

  private async tick(): Promise<void> {
    const jitter = Math.floor(Math.random() * Math.min(1000, this.options.sweepIntervalMs / 10));
    let wait = this.options.sweepIntervalMs;
    try {
      const token = randomUUID();
      const taken = await this.redis.set(this.key, token, 'PX', this.options.sweepIntervalMs, 'NX');
      if (taken === 'OK') {
        const takenAt = Date.now();
        await this.sweepHolding(token);
        const left = takenAt + this.options.sweepIntervalMs - Date.now();
        await this.redis.eval(SETTLE, 1, this.key, token, String(Math.max(0, left)));
        wait = Math.max(0, left);
      } else {
        const ttl = await this.redis.pttl(this.key);
        wait = Math.max(0, ttl);
      }
    } catch (error) {
      this.logger.error({ err: error }, 'retention: lease check failed');
    }
    this.schedule(wait + jitter);
  }

  /** One sweep while holding the lease (token); logged and counted. */
  private async sweepHolding(token: string): Promise<SweepResult | null> {
    const startedAt = new Date();
    try {
      const result = await this.sweep(startedAt, () => this.extend(token));
      this.sweeps.inc({ result: 'completed' });
      this.deleted.inc({ table: 'events' }, result.events);
      this.deleted.inc({ table: 'notifications' }, result.notifications);
      this.deleted.inc({ table: 'attempts' }, result.attempts);
      this.duration.observe(result.durationMs / 1000);
      this.logger.info(
        {
          started_at: startedAt.toISOString(),
          cutoff: new Date(startedAt.getTime() - this.options.maxAgeMs).toISOString(),
          deleted: { events: result.events, notifications: result.notifications, attempts: result.attempts },
          batches: result.batches,
          duration_ms: result.durationMs,
        },
        'retention sweep',
      );
      return result;
    } catch (error) {
      this.sweeps.inc({ result: 'failed' });
      this.logger.error({ err: error, started_at: startedAt.toISOString(), duration_ms: Date.now() - startedAt.getTime() }, 'retention sweep failed');
      return null;
    }
  }

  private async extend(token: string): Promise<boolean> {
    return (await this.redis.eval(EXTEND, 1, this.key, token, String(HOLD_MS))) === 1;
  }

  /**
   * Deletes everything old and final, batch after batch; stops early when
   * `holding` says the lease was lost or the process is stopping.
   */
  async sweep(now: Date, holding: () => Promise<boolean> = async () => true): Promise<SweepResult> {
    const started = Date.now();
    const cutoff = new Date(now.getTime() - this.options.maxAgeMs);
    const result: SweepResult = { events: 0, notifications: 0, attempts: 0, batches: 0, durationMs: 0 };
    let cursor: RetentionCursor = RETENTION_START;
    let limit = 500;
    for (;;) {
      if (this.stopped || !(await holding())) break;
      const batch = await this.store.deleteBatch(cutoff, cursor, limit);
      result.batches += 1;
      result.events += batch.events;
      result.notifications += batch.notifications;
      result.attempts += batch.attempts;
      if (batch.scanned < limit || !batch.next) break;
      cursor = batch.next;
      // aim at TARGET_NOTIFICATIONS_PER_BATCH rows: fewer events when each fans out widely
      const perEvent = batch.events > 0 ? batch.notifications / batch.events : 1;
      limit = Math.max(10, Math.min(MAX_EVENTS_PER_BATCH, Math.round(TARGET_NOTIFICATIONS_PER_BATCH / Math.max(1, perEvent))));
    }
    // a few rows per webhook and 15 minutes: one statement, whatever RETENTION_DAYS says
    if (!this.stopped) await this.store.pruneRollups();
    result.durationMs = Date.now() - started;
    return result;
  }
}
