/**
 * MAX_EVENT_BYTES: how large one event may be, measured the same way by the
 * API (single and batch publishes) and the producer SDK: the UTF-8 length of
 * the event's compact JSON, as the client sent it (`tenant` included).
 */
import { PayloadTooLargeError } from './errors.js';

export const DEFAULT_MAX_EVENT_BYTES = 262_144;

/** The UTF-8 byte length of `value`'s compact JSON; null when it cannot be serialized (nested too deeply, a cycle, a BigInt). */
export function eventJsonBytes(value: unknown): number | null {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? 0 : Buffer.byteLength(text);
  } catch {
    return null;
  }
}

/** An event larger than MAX_EVENT_BYTES: 413 over HTTP; the producer SDK throws it before sending anything. */
export class EventTooLargeError extends PayloadTooLargeError {
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`The event is ${bytes} bytes of JSON; at most ${limit} are allowed (MAX_EVENT_BYTES)`);
  }
}

/** Throws EventTooLargeError when `event`'s JSON is over `limit` bytes. An unserializable event passes here: validation refuses it. */
export function assertEventSize(event: unknown, limit: number): void {
  const bytes = eventJsonBytes(event);
  if (bytes !== null && bytes > limit) throw new EventTooLargeError(bytes, limit);
}
