/**
 * Webhook filters at fan-out, evaluated in this process (measured faster
 * than in SQL: bench/filter-fan-out.mjs, bench/README.md). Each process
 * keeps the compiled filters of a tenant's enabled webhooks with the
 * `updated_at` they were read at (FilterCache, refreshed in the background
 * every FILTER_CACHE_TTL_MS). For each event the fan-out statement gets the
 * positions, in that list, of the filters that match; a webhook the list
 * does not know at its current `updated_at` (just created or changed
 * elsewhere) is evaluated in SQL instead (hookrelay_filter_matches, same
 * rules), so a stale cache costs speed, never correctness. The statement
 * stays one per batch.
 */
import type pg from 'pg';
import { compileFilter, filterDocument, type CompiledFilter } from '@hookrelay/core';

export const FILTER_CACHE_TTL_MS = 2000;
const MAX_CACHED_TENANTS = 10_000;

/** The fan-out statement's `known` CTE: the filters this process evaluated, $2 ids and $3 versions (1-based idx). */
export const KNOWN_FILTERS_CTE = `known AS (
    SELECT k.id, k.version, k.idx::int AS idx FROM unnest($2::uuid[], $3::timestamptz[]) WITH ORDINALITY AS k(id, version, idx)
  )`;

/** Joined after `webhooks w` and `input i` (whose `allowed int[]` holds the matching idx): keeps the webhooks whose filter is absent or matches. */
export const FILTER_JOIN = `LEFT JOIN known k ON k.id = w.id
    WHERE w.filter IS NULL OR CASE
      WHEN k.version = w.updated_at THEN k.idx = ANY(i.allowed)
      ELSE hookrelay_filter_matches(w.filter, hookrelay_filter_document(i.type, i.resource, i.changed_fields))
    END`;

interface TenantFilters {
  loadedAt: number;
  webhooks: { id: string; version: Date; filter: CompiledFilter }[];
}

export interface FilterInput {
  tenantId: string;
  type: string;
  resource: string | null;
  changedFields: string | null;
}

/** What one statement needs: the known filters ($2, $3) and, per event, the positions of those that match. */
export interface FilterPlan {
  ids: string[];
  versions: Date[];
  allowed: number[][];
}

export class FilterCache {
  private readonly tenants = new Map<string, TenantFilters>();
  private readonly loading = new Map<string, Promise<void>>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => number = Date.now,
  ) {}

  /** Never waits for Postgres: a tenant not loaded yet is evaluated in SQL for this batch and loaded meanwhile. */
  plan(events: FilterInput[]): FilterPlan {
    const ids: string[] = [];
    const versions: Date[] = [];
    const offset = new Map<string, number>();
    const allowed = events.map((e) => {
      const cached = this.current(e.tenantId);
      if (!cached || cached.webhooks.length === 0) return [];
      let base = offset.get(e.tenantId);
      if (base === undefined) {
        base = ids.length;
        offset.set(e.tenantId, base);
        for (const w of cached.webhooks) {
          ids.push(w.id);
          versions.push(w.version);
        }
      }
      const doc = filterDocument({ type: e.type, resource: e.resource, changed_fields: e.changedFields });
      const out: number[] = [];
      cached.webhooks.forEach((w, i) => {
        if (w.filter.matches(doc)) out.push(base + i + 1);
      });
      return out;
    });
    return { ids, versions, allowed };
  }

  private current(tenantId: string): TenantFilters | undefined {
    const cached = this.tenants.get(tenantId);
    if (!cached || this.now() - cached.loadedAt >= FILTER_CACHE_TTL_MS) void this.load(tenantId);
    return cached;
  }

  private load(tenantId: string): Promise<void> {
    let pending = this.loading.get(tenantId);
    if (!pending) {
      pending = this.read(tenantId)
        .catch(() => undefined) // Postgres trouble: the SQL fallback still answers
        .finally(() => this.loading.delete(tenantId));
      this.loading.set(tenantId, pending);
    }
    return pending;
  }

  private async read(tenantId: string): Promise<void> {
    const loadedAt = this.now();
    const { rows } = await this.pool.query<{ id: string; updated_at: Date; filter: unknown }>({
      name: 'hookrelay_fan_out_filters',
      text: 'SELECT id, updated_at, filter FROM webhooks WHERE tenant_id = $1 AND filter IS NOT NULL AND is_enabled AND deleted_at IS NULL',
      values: [tenantId],
    });
    const webhooks: TenantFilters['webhooks'] = [];
    for (const row of rows) {
      try {
        webhooks.push({ id: row.id, version: row.updated_at, filter: compileFilter(row.filter) });
      } catch {
        // not expected (filters are validated when written): left to SQL
      }
    }
    if (this.tenants.size >= MAX_CACHED_TENANTS && !this.tenants.has(tenantId)) this.tenants.clear();
    this.tenants.set(tenantId, { loadedAt, webhooks });
  }

  /** Loads a tenant now (tests, warm-up). */
  async warm(tenantId: string): Promise<void> {
    await this.load(tenantId);
  }
}
