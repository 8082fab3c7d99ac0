/**
 * Webhook filters inside the fan-out statement. The filter is evaluated in
 * SQL (hookrelay_filter_matches, created by the 20261207000200 migration),
 * so fan-out stays one statement per batch and always sees the filter as it
 * is now, in every process, with no cache to invalidate. An event's filter
 * document ({type, resource, changed_fields} with the JSON text parsed) is
 * built once per event, and only for events whose tenant has a filtered
 * webhook that would receive them; webhooks without a filter cost nothing.
 * bench/filter-fan-out.mjs measures it against evaluating filters in code.
 */

/** A CTE `docs(id, doc)` over the `input` CTE of the fan-out statement. */
export const FILTER_DOCS_CTE = `docs AS MATERIALIZED (
    SELECT i.id, hookrelay_filter_document(i.type, i.resource, i.changed_fields) AS doc
    FROM input i
    WHERE EXISTS (
      SELECT 1 FROM webhooks fw
      WHERE fw.tenant_id = i.tenant_id AND fw.filter IS NOT NULL AND fw.is_enabled AND fw.deleted_at IS NULL
        AND fw.enabled_events && i.patterns)
  )`;

/** Joined after `webhooks w` and `input i`: keeps webhooks without a filter, or whose filter matches. */
export const FILTER_JOIN = `LEFT JOIN docs d ON d.id = i.id
    WHERE w.filter IS NULL OR hookrelay_filter_matches(w.filter, d.doc)`;
