-- /v1/stats counts from maintained counters instead of a scan of every
-- notification. A statement-level trigger on notifications (transition
-- tables) adds one delta per (tenant, webhook, status) and statement,
-- whatever code path inserts, updates or deletes rows (fan-out, attempts,
-- expiry, sendexpired, resend, cancel, retention). Rows are sharded by the
-- backend's pid so that concurrent transactions on different connections
-- update different rows (no hot-row lock waits); readers sum the shards.
-- Existing rows are counted by the next migration, after these triggers are
-- live (see docs/operations.md).

-- never queue behind a long writer while holding up everyone else: fail and retry instead
SET LOCAL lock_timeout = '10s';

CREATE TABLE "notification_counters" (
    "tenant_id" TEXT NOT NULL,
    "webhook_id" UUID NOT NULL,
    "status" "NotificationStatus" NOT NULL,
    "shard" SMALLINT NOT NULL,
    "count" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "notification_counters_pkey" PRIMARY KEY ("tenant_id", "webhook_id", "status", "shard")
) WITH (fillfactor = 50);

CREATE FUNCTION hookrelay_count_notifications() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  my_shard SMALLINT := (pg_backend_pid() % 16)::smallint;
BEGIN
  -- keys in a fixed order, so two statements never wait on each other's rows in opposite orders
  IF TG_OP = 'INSERT' THEN
    INSERT INTO notification_counters AS c (tenant_id, webhook_id, status, shard, count)
    SELECT tenant_id, webhook_id, status, my_shard, count(*) FROM new_rows
    GROUP BY tenant_id, webhook_id, status ORDER BY tenant_id, webhook_id, status
    ON CONFLICT (tenant_id, webhook_id, status, shard) DO UPDATE SET count = c.count + EXCLUDED.count;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO notification_counters AS c (tenant_id, webhook_id, status, shard, count)
    SELECT tenant_id, webhook_id, status, my_shard, sum(delta) FROM (
      SELECT tenant_id, webhook_id, status, 1 AS delta FROM new_rows
      UNION ALL
      SELECT tenant_id, webhook_id, status, -1 AS delta FROM old_rows
    ) d
    GROUP BY tenant_id, webhook_id, status HAVING sum(delta) <> 0 ORDER BY tenant_id, webhook_id, status
    ON CONFLICT (tenant_id, webhook_id, status, shard) DO UPDATE SET count = c.count + EXCLUDED.count;
  ELSE
    INSERT INTO notification_counters AS c (tenant_id, webhook_id, status, shard, count)
    SELECT tenant_id, webhook_id, status, my_shard, -count(*) FROM old_rows
    GROUP BY tenant_id, webhook_id, status ORDER BY tenant_id, webhook_id, status
    ON CONFLICT (tenant_id, webhook_id, status, shard) DO UPDATE SET count = c.count + EXCLUDED.count;
  END IF;
  RETURN NULL;
END
$$;

-- transition tables allow one event per trigger: three triggers, one function
CREATE TRIGGER "notifications_count_insert" AFTER INSERT ON "notifications"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hookrelay_count_notifications();
CREATE TRIGGER "notifications_count_update" AFTER UPDATE ON "notifications"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hookrelay_count_notifications();
CREATE TRIGGER "notifications_count_delete" AFTER DELETE ON "notifications"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hookrelay_count_notifications();
