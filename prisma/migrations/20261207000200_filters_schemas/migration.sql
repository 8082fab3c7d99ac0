-- Webhook filters and event-type schemas (issue 17). Additive: nullable
-- columns and a constant default (metadata-only changes, no table rewrite),
-- plus the SQL functions the fan-out statement uses to apply filters.

ALTER TABLE "webhooks" ADD COLUMN "filter" JSONB;

ALTER TABLE "event_types" ADD COLUMN "schema" JSONB;
ALTER TABLE "event_types" ADD COLUMN "schema_version" INTEGER NOT NULL DEFAULT 0;

-- JSON text to jsonb; NULL when it does not parse (the filter then sees null).
CREATE OR REPLACE FUNCTION hookrelay_try_jsonb(value text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  RETURN value::jsonb;
EXCEPTION WHEN others THEN
  RETURN NULL;
END $$;

-- What a filter sees of an event: {type, resource, changed_fields}, JSON strings parsed.
CREATE OR REPLACE FUNCTION hookrelay_filter_document(type text, resource text, changed_fields text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_object('type', type, 'resource', hookrelay_try_jsonb(resource), 'changed_fields', hookrelay_try_jsonb(changed_fields))
$$;

-- The value at a dotted path; NULL (SQL) when the path is missing. A numeric
-- segment also indexes an array. Same rule as resolvePath in packages/core/src/filter.
CREATE OR REPLACE FUNCTION hookrelay_filter_value(doc jsonb, path text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  cur jsonb := doc;
  seg text;
BEGIN
  FOREACH seg IN ARRAY string_to_array(path, '.') LOOP
    IF jsonb_typeof(cur) = 'object' THEN
      IF NOT cur ? seg THEN RETURN NULL; END IF;
      cur := cur -> seg;
    ELSIF jsonb_typeof(cur) = 'array' AND seg ~ '^[0-9]{1,9}$' THEN
      IF seg::int >= jsonb_array_length(cur) THEN RETURN NULL; END IF;
      cur := cur -> seg::int;
    ELSE
      RETURN NULL;
    END IF;
  END LOOP;
  RETURN cur;
END $$;

-- One field operator; v NULL = missing path. Same rules as applyOperator in packages/core/src/filter.
CREATE OR REPLACE FUNCTION hookrelay_filter_op(op text, operand jsonb, v jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT COALESCE(CASE op
    WHEN '$eq' THEN v IS NOT NULL AND v = operand
    WHEN '$ne' THEN v IS NULL OR v <> operand
    WHEN '$in' THEN v IS NOT NULL AND EXISTS (SELECT 1 FROM jsonb_array_elements(operand) AS x(item) WHERE x.item = v)
    WHEN '$nin' THEN v IS NULL OR NOT EXISTS (SELECT 1 FROM jsonb_array_elements(operand) AS x(item) WHERE x.item = v)
    WHEN '$exists' THEN (v IS NOT NULL) = (operand = 'true'::jsonb)
    WHEN '$prefix' THEN jsonb_typeof(v) = 'string' AND starts_with(v #>> '{}', operand #>> '{}')
    ELSE v IS NOT NULL AND jsonb_typeof(v) = jsonb_typeof(operand) AND CASE jsonb_typeof(v)
      WHEN 'number' THEN CASE op
        WHEN '$gt' THEN v::numeric > operand::numeric
        WHEN '$gte' THEN v::numeric >= operand::numeric
        WHEN '$lt' THEN v::numeric < operand::numeric
        WHEN '$lte' THEN v::numeric <= operand::numeric
      END
      WHEN 'string' THEN CASE op
        WHEN '$gt' THEN (v #>> '{}') COLLATE "C" > (operand #>> '{}') COLLATE "C"
        WHEN '$gte' THEN (v #>> '{}') COLLATE "C" >= (operand #>> '{}') COLLATE "C"
        WHEN '$lt' THEN (v #>> '{}') COLLATE "C" < (operand #>> '{}') COLLATE "C"
        WHEN '$lte' THEN (v #>> '{}') COLLATE "C" <= (operand #>> '{}') COLLATE "C"
      END
      ELSE false
    END
  END, false)
$$;

-- A whole filter (validated when the webhook was written) against an event document.
CREATE OR REPLACE FUNCTION hookrelay_filter_matches(filter jsonb, doc jsonb) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  k text;
  v jsonb;
  item jsonb;
  op text;
  operand jsonb;
  val jsonb;
  matched boolean;
BEGIN
  FOR k, v IN SELECT * FROM jsonb_each(filter) LOOP
    IF k = '$and' THEN
      FOR item IN SELECT * FROM jsonb_array_elements(v) LOOP
        IF NOT hookrelay_filter_matches(item, doc) THEN RETURN false; END IF;
      END LOOP;
    ELSIF k = '$or' THEN
      matched := false;
      FOR item IN SELECT * FROM jsonb_array_elements(v) LOOP
        IF hookrelay_filter_matches(item, doc) THEN matched := true; EXIT; END IF;
      END LOOP;
      IF NOT matched THEN RETURN false; END IF;
    ELSIF k = '$not' THEN
      IF hookrelay_filter_matches(v, doc) THEN RETURN false; END IF;
    ELSE
      val := hookrelay_filter_value(doc, k);
      IF jsonb_typeof(v) = 'object' AND v <> '{}'::jsonb
         AND NOT EXISTS (SELECT 1 FROM jsonb_object_keys(v) AS x(key) WHERE left(x.key, 1) <> '$') THEN
        FOR op, operand IN SELECT * FROM jsonb_each(v) LOOP
          IF NOT hookrelay_filter_op(op, operand, val) THEN RETURN false; END IF;
        END LOOP;
      ELSIF NOT hookrelay_filter_op('$eq', v, val) THEN
        RETURN false;
      END IF;
    END IF;
  END LOOP;
  RETURN true;
END $$;
