-- Time-ordered ids (UUID version 7, RFC 9562) for the rows the database creates itself:
-- notifications (fan-out) and attempts. Rows created together get neighbouring keys, so inserts
-- land at the right edge of the primary key btrees instead of on a random leaf of an index far
-- larger than shared_buffers. A v4 uuid with its first 48 bits replaced by the Unix time in ms
-- and its version nibble set to 7 (bits 52 and 53 turn 0100 into 0111). Creating a function
-- takes no lock on any table: safe on a live database; ids made before stay as they are.
CREATE OR REPLACE FUNCTION hookrelay_uuid_v7() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
  SELECT encode(
    set_bit(
      set_bit(
        overlay(uuid_send(gen_random_uuid())
                PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                FROM 1 FOR 6),
        52, 1),
      53, 1),
    'hex')::uuid
$$;
