-- Covered by notifications_webhook_id_status_created_at_id_idx (same leading
-- columns): one index less to maintain on every status change.
DROP INDEX CONCURRENTLY IF EXISTS "notifications_webhook_id_status_idx";
