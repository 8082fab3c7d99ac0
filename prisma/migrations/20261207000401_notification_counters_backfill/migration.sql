-- Counts the notifications that existed before the counting triggers, in a
-- migration (so a transaction) of its own: only a shared read of
-- notifications, writes go on. One statement, so one snapshot: the count of
-- the rows and the deltas the triggers wrote before that snapshot are read
-- together; the baseline (shard -1) is the count minus those deltas, so every
-- change is counted exactly once whether it committed before or after.
INSERT INTO "notification_counters" AS c ("tenant_id", "webhook_id", "status", "shard", "count")
SELECT "tenant_id", "webhook_id", "status", -1, sum(n) FROM (
  SELECT "tenant_id", "webhook_id", "status", count(*) AS n FROM "notifications" GROUP BY 1, 2, 3
  UNION ALL
  SELECT "tenant_id", "webhook_id", "status", -sum("count") AS n FROM "notification_counters" GROUP BY 1, 2, 3
) x
GROUP BY 1, 2, 3 HAVING sum(n) <> 0
ON CONFLICT ("tenant_id", "webhook_id", "status", "shard") DO UPDATE SET "count" = c."count" + EXCLUDED."count";
