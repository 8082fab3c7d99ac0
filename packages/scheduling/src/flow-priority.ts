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
import { fairKey } from './fair-gate.js';

/** BullMQ's highest priority value (2^21 - 1): retries, behind every first attempt. */
export const RETRY_PRIORITY = 2_097_151;
/** First attempts use 1..MAX_FIRST_PRIORITY. */
export const MAX_FIRST_PRIORITY = 1_048_576;
/** Notifications enqueued without their webhook id (sendexpired, a few internal paths) share this flow. */
export const SHARED_FLOW = 'shared';
const FLOW_TTL_MS = 3600_000;

/**
 * Positions, and whether each first attempt is parked at enqueue. KEYS per
 * item: its flow, then its webhook gate's leases and parked sets, cap key
 * and pace marker (fair-gate.ts). ARGV: flow TTL, the default cap (0: never
 * park), the lease TTL, then per item '1' if it has a webhook gate.
 *
 * A job of a slow webhook (marker '1': an exchange lasted SLOW_EXCHANGE_MS
 * within the last minute) behind a backlog (jobs parked, or more than twice
 * its cap pending) is parked at enqueue. Fetched, it would only be parked:
 * a BullMQ fetch and two scripts per job of a slow or hanging endpoint's
 * backlog, while everyone else's deliveries wait for the worker. Other
 * webhooks take their backlog straight from the queue: a fast one at its
 * cap waits in place for a lease, which a promotion per delivery would only
 * slow down. The cap is the one the gate last refused a job at, else the
 * default. Answers per item {position, parked 0/1, cap, rank among the
 * parked, oldest lease age (-1: none)}.
 */
const POSITIONS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local defaultCap = tonumber(ARGV[2])
local leaseTtl = tonumber(ARGV[3])
local out = {}
local parking = {}
for i = 1, #KEYS / 5 do
  local key, leases, parked, capKey, pace = KEYS[5 * i - 4], KEYS[5 * i - 3], KEYS[5 * i - 2], KEYS[5 * i - 1], KEYS[5 * i]
  local seq
  local pending = redis.call('HINCRBY', key, 'pending', 1)
  if pending <= 1 then
    redis.call('HSET', key, 'pending', 1, 'seq', 1)
    seq = 1
  else
    seq = redis.call('HINCRBY', key, 'seq', 1)
  end
  redis.call('PEXPIRE', key, ARGV[1])
  local park, cap, rank, age = 0, 0, 0, -1
  -- only a slow webhook's jobs can be parked: the others' cost one GET here
  if defaultCap > 0 and ARGV[3 + i] == '1' and (parking[key] or redis.call('GET', pace) == '1') then
    cap = tonumber(redis.call('GET', capKey)) or defaultCap
    local ahead = redis.call('ZCARD', parked)
    if parking[key] or ahead > 0 or pending > 2 * cap then park = 1 end
    if park == 1 then
      parking[key] = (parking[key] or 0) + 1
      rank = ahead + parking[key] - 1
      local oldest = redis.call('ZRANGE', leases, 0, 0, 'WITHSCORES')
      if oldest[2] ~= nil then age = now - (tonumber(oldest[2]) - leaseTtl) end
    end
  end
  out[i] = {seq, park, cap, rank, age}
end
return out
`;

const DONE = `
if redis.call('HINCRBY', KEYS[1], 'pending', -1) <= 0 then redis.call('DEL', KEYS[1]) end
return 0
`;

/** A first attempt's priority and, when it is parked at enqueue, what its fallback delay is made of. */
export interface FlowAdmission {
  priority: number;
  parked: { cap: number; rank: number; oldestLeaseAgeMs: number } | null;
}

type Commands = {
  hookrelayFlowPositions(...args: (string | number)[]): Promise<[number, number, number, number, number][]>;
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
    return (await this.admit(flows)).map((a) => a.priority);
  }

  /**
   * One priority per flow id, in order, and with `parking` whether the job
   * goes straight to its webhook's parked set (POSITIONS above). Flows
   * without a webhook (SHARED_FLOW) are never parked.
   */
  async admit(flows: readonly string[], parking?: { defaultCap: number; leaseTtlMs: number }): Promise<FlowAdmission[]> {
    if (!flows.length) return [];
    const keys = flows.flatMap((f) => {
      const gate = `w:${f}`;
      return [this.key(f), ...(['leases', 'parked', 'cap', 'slow'] as const).map((kind) => fairKey(this.prefix, gate, kind))];
    });
    const answers = await (this.redis as unknown as Commands).hookrelayFlowPositions(
      keys.length,
      ...keys,
      FLOW_TTL_MS,
      parking?.defaultCap ?? 0,
      Math.ceil(parking?.leaseTtlMs ?? 0),
      ...flows.map((f) => (f === SHARED_FLOW ? '0' : '1')),
    );
    return answers.map(([position, parked, cap, rank, age]) => ({
      priority: firstAttemptPriority(Number(position)),
      parked: Number(parked) === 1 ? { cap: Number(cap), rank: Number(rank), oldestLeaseAgeMs: Number(age) } : null,
    }));
  }

  /** A first attempt of `flow` was made (or its job ended without one). */
  async done(flow: string): Promise<void> {
    await (this.redis as unknown as Commands).hookrelayFlowDone(this.key(flow));
  }
}
