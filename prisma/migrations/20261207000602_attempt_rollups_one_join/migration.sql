-- The rollup trigger (20261207000600) joined the inserted attempts to their
-- notifications twice, once per table it keeps; every batch of recorded
-- attempts paid both. One statement now: the join is a CTE (materialized
-- once, since it is read twice) feeding both upserts. Same rows, same order
-- of keys, same effect.
CREATE OR REPLACE FUNCTION hookrelay_roll_up_attempts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  my_shard SMALLINT := (pg_backend_pid() % 4)::smallint;
BEGIN
  -- keys in a fixed order, so two statements never wait on each other's rows in opposite orders
  WITH made AS MATERIALIZED (
    SELECT n.tenant_id, n.webhook_id, a.attempted_at, a.attempt_number, a.status_code, a.error, a.duration_ms
    FROM new_rows a JOIN notifications n ON n.id = a.notification_id
  ), rolled AS (
    INSERT INTO attempt_rollups AS r (tenant_id, webhook_id, bucket, shard, attempts, succeeded, duration_ms_sum)
    SELECT tenant_id, webhook_id, to_timestamp(floor(extract(epoch FROM attempted_at) / 900) * 900) AS bucket, my_shard,
           count(*), count(*) FILTER (WHERE status_code BETWEEN 200 AND 299), coalesce(sum(duration_ms), 0)
    FROM made
    GROUP BY 1, 2, 3 ORDER BY 1, 3, 2
    ON CONFLICT (tenant_id, bucket, webhook_id, shard) DO UPDATE
      SET attempts = r.attempts + EXCLUDED.attempts, succeeded = r.succeeded + EXCLUDED.succeeded,
          duration_ms_sum = r.duration_ms_sum + EXCLUDED.duration_ms_sum
  )
  INSERT INTO webhook_last_attempts AS l (webhook_id, shard, attempted_at, attempt_number, status_code, error)
  SELECT DISTINCT ON (webhook_id) webhook_id, my_shard, attempted_at, attempt_number, status_code, error
  FROM made
  ORDER BY webhook_id, attempted_at DESC, attempt_number DESC
  ON CONFLICT (webhook_id, shard) DO UPDATE
    SET attempted_at = EXCLUDED.attempted_at, attempt_number = EXCLUDED.attempt_number,
        status_code = EXCLUDED.status_code, error = EXCLUDED.error
    WHERE (EXCLUDED.attempted_at, EXCLUDED.attempt_number) >= (l.attempted_at, l.attempt_number);
  RETURN NULL;
END
$$;
