-- :search with updated_since (tail and dashboard polling). Built without
-- blocking writes: CONCURRENTLY cannot run in a transaction block, so this
-- file holds this one statement only (see docs/operations.md).
CREATE INDEX CONCURRENTLY IF NOT EXISTS "notifications_tenant_id_updated_at_id_idx" ON "notifications"("tenant_id", "updated_at", "id");
