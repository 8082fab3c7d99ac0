/**
 * The order in which workers take delivery jobs (docs/scheduling.md). Each
 * webhook is a flow; a first attempt gets as BullMQ priority its position in
 * its flow's backlog (1 = nothing of that webhook waiting), so every
 * webhook's 1st job is taken before any webhook's 2nd: a healthy webhook's
 * new delivery jumps over a dead endpoint's 100,000-job backlog, and each
 * webhook keeps FIFO (increasing priorities; BullMQ keeps equal priorities
 * FIFO). Retries all get RETRY_PRIORITY, behind every first attempt.
 *
 * Per flow, a Redis hash `<prefix>:fair:flow:<webhook id>` holds `seq` (the
 * last position given) and `pending` (first attempts enqueued and not yet
 * made). The position restarts at 1 only when `pending` falls to 0, so it
 * never goes backwards while older jobs of the webhook wait. A lost
 * decrement only makes positions grow (the webhook queues behind others,
 * still FIFO); the hash expires an hour after its last use.
 */
import type { Cluster, Redis } from 'ioredis';

/** BullMQ's highest priority value (2^21 - 1): retries, behind every first attempt. */
export const RETRY_PRIORITY = 2_097_151;
/** First attempts use 1..MAX_FIRST_PRIORITY. */
export const MAX_FIRST_PRIORITY = 1_048_576;
/** Notifications enqueued without their webhook id (sendexpired, a few internal paths) share this flow. */
export const SHARED_FLOW = 'shared';
const FLOW_TTL_MS = 3600_000;

const POSITIONS = `
local out = {}
for i, key in ipairs(KEYS) do
  local seq
  if redis.call('HINCRBY', key, 'pending', 1) <= 1 then
    redis.call('HSET', key, 'pending', 1, 'seq', 1)
    seq = 1
  else
    seq = redis.call('HINCRBY', key, 'seq', 1)
  end
  redis.call('PEXPIRE', key, ARGV[1])
  out[i] = seq
end
return out
`;

const DONE = `
if redis.call('HINCRBY', KEYS[1], 'pending', -1) <= 0 then redis.call('DEL', KEYS[1]) end
return 0
`;

type Commands = {
  hookrelayFlowPositions(...args: (string | number)[]): Promise<number[]>;
  hookrelayFlowDone(...args: (string | number)[]): Promise<number>;
};

/** The BullMQ priority of a job at `position` in its flow (first attempts), capped below the retries. */
export function firstAttemptPriority(position: number): number {
  return Math.max(1, Math.min(MAX_FIRST_PRIORITY, Math.floor(position)));
}

/** Whether a job's priority says it is waiting for its first attempt of a cycle (it counts in its flow). */
export function isFirstAttempt(priority: number | undefined): boolean {
  return priority !== undefined && priority > 0 && priority <= MAX_FIRST_PRIORITY;
}

export class FlowPriorities {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
  ) {
    redis.defineCommand('hookrelayFlowPositions', { lua: POSITIONS });
    redis.defineCommand('hookrelayFlowDone', { numberOfKeys: 1, lua: DONE });
  }

  key(flow: string): string {
    return `${this.prefix}:fair:flow:${flow}`;
  }

  /** One priority per flow id, in order (the same flow several times gets increasing positions). */
  async priorities(flows: readonly string[]): Promise<number[]> {
    if (!flows.length) return [];
    const positions = await (this.redis as unknown as Commands).hookrelayFlowPositions(flows.length, ...flows.map((f) => this.key(f)), FLOW_TTL_MS);
    return positions.map((p) => firstAttemptPriority(Number(p)));
  }

  /** A first attempt of `flow` was made (or its job ended without one). */
  async done(flow: string): Promise<void> {
    await (this.redis as unknown as Commands).hookrelayFlowDone(this.key(flow));
  }
}
