-- :search by webhook and status in created order (either direction); also
-- serves every (webhook_id, status) lookup of the index it replaces.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "notifications_webhook_id_status_created_at_id_idx" ON "notifications"("webhook_id", "status", "created_at", "id");
