-- The retention sweep walks events of every tenant in created order.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "events_created_at_id_idx" ON "events"("created_at", "id");
