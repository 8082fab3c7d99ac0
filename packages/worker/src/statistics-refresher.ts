/**
 * Keeps Postgres's planner statistics up with the delivery tables while they
 * grow from nearly empty (a fresh install, a burst after a quiet start).
 *
 * Postgres keeps plans: our prepared statements after their fifth run, the
 * foreign-key checks of every insert, the queries inside triggers. A kept
 * plan is made again only when the statistics of its tables change. Made
 * while a table was a few pages long, it reads the table whole (a
 * sequential scan costs no more than a key lookup then), and it stays so
 * while the table grows until autovacuum analyzes it again, a minute or
 * more later under a burst. Measured in the bench's latency phase on a
 * fresh database (auto_explain, 2026-12-07): a load read 3,536 rows per
 * notification, each attempt's foreign-key check 0.6 ms, the attempt
 * rollup trigger 6.3 ms a statement; Postgres took a whole core at 200
 * events/s.
 *
 * So every INTERVAL_MS each worker compares the tables' sizes with the
 * sizes their statistics were taken at (pg_class.relpages), and ANALYZEs a
 * table that has grown GROWTH-fold since (and is at least MIN_PAGES long):
 * fresh statistics, and every kept plan on it is made again. Growth by a
 * factor keeps this to a few ANALYZEs over a table's life (16, 64, 256 …
 * pages), each reading a sample of at most 30,000 rows; a table whose
 * statistics autovacuum keeps fresh is never analyzed here.
 */
import type { Logger } from '@hookrelay/core';
import { TableStatisticsStore, type Queryable } from '@hookrelay/db';

/** The tables that grow with traffic, and webhooks (read by every fan-out and foreign-key check). */
export const GROWING_TABLES = ['webhooks', 'events', 'notifications', 'attempts'] as const;
const INTERVAL_MS = 2000;
const GROWTH = 4;
const MIN_PAGES = 16;

export class StatisticsRefresher {
  private readonly store: TableStatisticsStore;
  /** pages at this process's last ANALYZE of each table: an ANALYZE that changed nothing (not the owner) is not repeated before the next growth */
  private readonly analyzedAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private failing = false;

  constructor(
    pool: Queryable,
    private readonly logger: Logger,
    private readonly intervalMs = INTERVAL_MS,
  ) {
    this.store = new TableStatisticsStore(pool);
  }

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.refresh()
        .catch((error) => {
          if (!this.failing) this.logger.warn({ err: error }, 'reading table sizes for planner statistics failed');
          this.failing = true;
        })
        .finally(() => {
          this.running = undefined;
        });
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Analyzes the tables that have outgrown their statistics; answers their names. */
  async refresh(): Promise<string[]> {
    const sizes = await this.store.sizes(GROWING_TABLES);
    this.failing = false;
    const stale = sizes.filter((t) => t.pages >= Math.max(MIN_PAGES, GROWTH * Math.max(t.statsPages, this.analyzedAt.get(t.table) ?? 0)));
    for (const t of stale) {
      this.analyzedAt.set(t.table, t.pages);
      await this.store.analyze(t.table);
      this.logger.info({ table: t.table, pages: t.pages, stats_pages: t.statsPages }, 'table outgrew its planner statistics: analyzed');
    }
    return stale.map((t) => t.table);
  }
}
