-- Rolls up the attempts of the last 25 hours made before the rollup trigger,
-- in a migration of its own (only a shared read of attempts; writes go on).
-- One statement, so one snapshot: the raw rows and the deltas the trigger
-- wrote before that snapshot are read together; the baseline (shard -1) is
-- the raw figure minus those deltas, so every attempt counts exactly once
-- whether it committed before or after. Older buckets are outside every
-- window /v1/stats reads.
INSERT INTO "attempt_rollups" AS r ("tenant_id", "webhook_id", "bucket", "shard", "attempts", "succeeded", "duration_ms_sum")
SELECT "tenant_id", "webhook_id", "bucket", -1, sum(attempts), sum(succeeded), sum(duration_ms_sum) FROM (
  SELECT n."tenant_id", n."webhook_id", to_timestamp(floor(extract(epoch FROM a."attempted_at") / 900) * 900) AS "bucket",
         count(*) AS attempts, count(*) FILTER (WHERE a."status_code" BETWEEN 200 AND 299) AS succeeded,
         coalesce(sum(a."duration_ms"), 0) AS duration_ms_sum
  FROM "attempts" a JOIN "notifications" n ON n."id" = a."notification_id"
  WHERE a."attempted_at" >= to_timestamp(floor(extract(epoch FROM now() - interval '25 hours') / 900) * 900)
  GROUP BY 1, 2, 3
  UNION ALL
  SELECT "tenant_id", "webhook_id", "bucket", -sum("attempts"), -sum("succeeded"), -sum("duration_ms_sum")
  FROM "attempt_rollups" WHERE "bucket" >= to_timestamp(floor(extract(epoch FROM now() - interval '25 hours') / 900) * 900)
  GROUP BY 1, 2, 3
) x
GROUP BY 1, 2, 3 HAVING sum(attempts) <> 0
ON CONFLICT ("tenant_id", "bucket", "webhook_id", "shard") DO UPDATE
  SET "attempts" = r."attempts" + EXCLUDED."attempts", "succeeded" = r."succeeded" + EXCLUDED."succeeded",
      "duration_ms_sum" = r."duration_ms_sum" + EXCLUDED."duration_ms_sum";

-- each webhook's latest attempt of the window, where the trigger has none newer (shard -1)
INSERT INTO "webhook_last_attempts" ("webhook_id", "shard", "attempted_at", "attempt_number", "status_code", "error")
SELECT DISTINCT ON (n."webhook_id") n."webhook_id", -1, a."attempted_at", a."attempt_number", a."status_code", a."error"
FROM "attempts" a JOIN "notifications" n ON n."id" = a."notification_id"
WHERE a."attempted_at" >= now() - interval '25 hours'
ORDER BY n."webhook_id", a."attempted_at" DESC, a."attempt_number" DESC
ON CONFLICT ("webhook_id", "shard") DO NOTHING;
