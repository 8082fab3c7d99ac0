/**
 * What an operator watches: how many notifications sit in each status, and
 * how each webhook has been doing lately (success rate, last answer, why it
 * was disabled). Read-only; backs `GET /v1/stats` and the dashboard.
 */
import { NOTIFICATION_STATUSES, type NotificationStatusName } from '@hookrelay/core';
import { ROLLUP_SETTLED_AFTER_MS, rollupBucket, StatsRepository, type Queryable, type RollupTotals } from '@hookrelay/db';

/** The recent window the per-webhook health covers. */
export const STATS_WINDOW_SECONDS = 24 * 60 * 60;

export type StatusCounts = Record<NotificationStatusName, number> & { total: number };

export interface WebhookStats {
  webhookId: string;
  url: string;
  isEnabled: boolean;
  disabledReason: string | null;
  /** notifications of this webhook by status, all time */
  notifications: StatusCounts;
  /** attempts within the window */
  attempts: number;
  succeededAttempts: number;
  /** succeededAttempts / attempts; null without attempts in the window */
  successRate: number | null;
  avgDurationMs: number | null;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  /** deliveries to it in flight now, fleet-wide (fair delivery leases); at its cap when >= its max_in_flight */
  inFlight?: number;
}

export interface TenantStats {
  tenant: string;
  generatedAt: Date;
  windowSeconds: number;
  /** the tenant's notifications by status, all time */
  notifications: StatusCounts;
  webhooks: WebhookStats[];
  /** ENDPOINT_MAX_IN_FLIGHT: the cap of webhooks whose max_in_flight is null */
  endpointMaxInFlight?: number;
}

/** Fair delivery's view of the webhooks in flight (FairGates.inFlightMany) and the default cap. */
export interface InFlightSource {
  inFlightMany(webhookIds: readonly string[]): Promise<Map<string, number>>;
  defaultCap: number;
}

/** Tenants whose settled rollup sums are kept (about 100 bytes per webhook each). */
const SETTLED_TENANTS = 1000;

/** One tenant's rollup sums over the settled buckets [from, until) of its window. */
interface SettledTotals {
  from: number;
  until: number;
  totals: Map<string, RollupTotals>;
}

function emptyCounts(): StatusCounts {
  const counts = { total: 0 } as StatusCounts;
  for (const status of NOTIFICATION_STATUSES) counts[status] = 0;
  return counts;
}

function add(counts: StatusCounts, status: NotificationStatusName, n: number): void {
  counts[status] += n;
  counts.total += n;
}

export class StatsService {
  private readonly stats: StatsRepository;
  /**
   * The read running now per tenant. A request for a tenant whose stats are
   * being read joins that read instead of starting another: a dashboard open
   * in several tabs, or several operators, cost one read at a time, not one
   * each (at 10 M notifications the read is ~8 ms of Postgres CPU). A joined
   * answer is at most one read's duration older than the request; nothing is
   * kept once the read ends.
   */
  private readonly running = new Map<string, Promise<TenantStats>>();
  /**
   * Per tenant, the rollup sums of the part of the window whose buckets take
   * no more attempts (ROLLUP_SETTLED_AFTER_MS): read once per 15-minute
   * bucket, so a read adds up the last hour and a quarter of buckets, not a
   * day's 96 per webhook. Map order is insertion order: the oldest entry
   * goes first past SETTLED_TENANTS.
   */
  private readonly settled = new Map<string, SettledTotals>();

  constructor(
    /** node-postgres (the API's pool) */
    db: Queryable,
    private readonly inFlight?: InFlightSource,
  ) {
    this.stats = new StatsRepository(db);
  }

  /** Adds each webhook's in-flight count (Redis); without Redis the stats still answer. */
  private async withInFlight(stats: TenantStats): Promise<TenantStats> {
    if (!this.inFlight) return stats;
    const counts = await this.inFlight.inFlightMany(stats.webhooks.map((w) => w.webhookId)).catch(() => null);
    if (!counts) return stats;
    for (const w of stats.webhooks) w.inFlight = counts.get(w.webhookId) ?? 0;
    return { ...stats, endpointMaxInFlight: this.inFlight.defaultCap };
  }

  forTenant(tenantId: string): Promise<TenantStats> {
    const running = this.running.get(tenantId);
    if (running) return running;
    const read = this.read(tenantId).finally(() => this.running.delete(tenantId));
    this.running.set(tenantId, read);
    return read;
  }

  private async settledTotals(tenantId: string, from: Date, until: Date): Promise<Map<string, RollupTotals>> {
    const kept = this.settled.get(tenantId);
    if (kept && kept.from === from.getTime() && kept.until === until.getTime()) return kept.totals;
    const totals = await this.stats.rollupTotals(tenantId, from, until);
    this.settled.delete(tenantId);
    this.settled.set(tenantId, { from: from.getTime(), until: until.getTime(), totals });
    if (this.settled.size > SETTLED_TENANTS) this.settled.delete(this.settled.keys().next().value!);
    return totals;
  }

  private async read(tenantId: string): Promise<TenantStats> {
    const now = new Date();
    const since = new Date(now.getTime() - STATS_WINDOW_SECONDS * 1000);
    // the window starts at the bucket holding `since` (up to 15 minutes more); buckets before `live` are settled
    const from = rollupBucket(since);
    const live = rollupBucket(now.getTime() - ROLLUP_SETTLED_AFTER_MS);
    const [counts, health, settled] = await Promise.all([
      this.stats.notificationCounts(tenantId),
      this.stats.webhookHealth(tenantId, since, live),
      this.settledTotals(tenantId, from, live),
    ]);

    const total = emptyCounts();
    const byWebhook = new Map<string, StatusCounts>();
    for (const row of counts) {
      const status = row.status as NotificationStatusName;
      add(total, status, row.count);
      const mine = byWebhook.get(row.webhookId) ?? emptyCounts();
      add(mine, status, row.count);
      byWebhook.set(row.webhookId, mine);
    }

    return this.withInFlight({
      tenant: tenantId,
      generatedAt: now,
      windowSeconds: STATS_WINDOW_SECONDS,
      notifications: total,
      webhooks: health.map((w) => {
        const old = settled.get(w.webhookId);
        const attempts = w.attempts + (old?.attempts ?? 0);
        const succeeded = w.succeeded + (old?.succeeded ?? 0);
        const durationMsSum = w.durationMsSum + (old?.durationMsSum ?? 0);
        return {
          webhookId: w.webhookId,
          url: w.url,
          isEnabled: w.isEnabled,
          disabledReason: w.disabledReason,
          notifications: byWebhook.get(w.webhookId) ?? emptyCounts(),
          attempts,
          succeededAttempts: succeeded,
          successRate: attempts > 0 ? succeeded / attempts : null,
          avgDurationMs: attempts > 0 ? Math.round(durationMsSum / attempts) : null,
          lastAttemptAt: w.lastAttemptAt,
          lastStatusCode: w.lastStatusCode,
          lastError: w.lastError,
        };
      }),
    });
  }
}
