/**
 * Time-ordered ids (UUID version 7, RFC 9562): 48 bits of Unix time in ms,
 * then random bits. Rows created together get neighbouring keys, so inserts
 * into the id indexes of events, notifications and attempts land at the
 * right edge of each btree instead of on a random leaf of an index far
 * larger than shared_buffers (the scale bench at 10 M notifications). The
 * database makes its own the same way (hookrelay_uuid_v7(), migration
 * 20261207000700). Ids are still opaque: nothing orders or parses them.
 */
import { randomFillSync } from 'node:crypto';

/**
 * Random bytes for 256 ids, filled at once: one call into the system's random
 * source per id cost more API CPU than anything else an event's id needed
 * (8 % of the API's busy time in the batch-ingest bench). Node's randomUUID
 * keeps the same kind of cache; ids are not secrets.
 */
const POOL_IDS = 256;
const pool = Buffer.allocUnsafe(16 * POOL_IDS);
let nextInPool = POOL_IDS;

export function uuidv7(now: number = Date.now()): string {
  if (nextInPool === POOL_IDS) {
    randomFillSync(pool);
    nextInPool = 0;
  }
  const o = 16 * nextInPool++;
  pool.writeUIntBE(now, o, 6);
  pool[o + 6] = (pool[o + 6]! & 0x0f) | 0x70; // version 7
  pool[o + 8] = (pool[o + 8]! & 0x3f) | 0x80; // variant 10
  const h = pool.toString('hex', o, o + 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
