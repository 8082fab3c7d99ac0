CREATE INDEX CONCURRENTLY IF NOT EXISTS "notifications_ordering_pending_idx" ON "notifications" ("webhook_id", "ordering_key", "order_seq") WHERE "status" = 'PENDING' AND "ordering_key" IS NOT NULL;
