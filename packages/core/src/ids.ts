/**
 * Time-ordered ids (UUID version 7, RFC 9562): 48 bits of Unix time in ms,
 * then random bits. Rows created together get neighbouring keys, so inserts
 * into the id indexes of events, notifications and attempts land at the
 * right edge of each btree instead of on a random leaf of an index far
 * larger than shared_buffers (the scale bench at 10 M notifications). The
 * database makes its own the same way (hookrelay_uuid_v7(), migration
 * 20261207000700). Ids are still opaque: nothing orders or parses them.
 */
import { randomBytes } from 'node:crypto';

export function uuidv7(now: number = Date.now()): string {
  const b = randomBytes(16);
  b.writeUIntBE(now, 0, 6);
  b[6] = (b[6]! & 0x0f) | 0x70; // version 7
  b[8] = (b[8]! & 0x3f) | 0x80; // variant 10
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
