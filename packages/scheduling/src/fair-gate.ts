/**
 * Fleet-wide in-flight caps with leases (docs/scheduling.md). A gate is a
 * pair of Redis sorted sets under the queue prefix:
 *
 *   <prefix>:fair:<gate>:leases   holder -> lease expiry (ms, Redis clock)
 *   <prefix>:fair:<gate>:parked   job id -> its place (the job's priority)
 *
 *   <prefix>:fair:<gate>:promoted job id -> until when a free lease is kept for it
 *
 * A delivery passes one to three gates at once (its webhook, its tenant and,
 * for a retry, the retry gate): the acquire script drops expired leases, and
 * either takes a lease in every gate or records the job in the parked set of
 * the first gate that is full. Release drops the lease and answers the parked
 * jobs that may run now (the head of each parked set, as many as there are
 * free leases not kept for a job promoted already); the caller promotes them
 * (BullMQ delayed -> prioritized), and their leases are kept for them for a
 * few seconds, so a promotion is made once and nobody else takes its lease.
 * Leases expire, so a SIGKILLed worker's permits come back by themselves;
 * parked entries are only hints: a parked job whose promotion was missed
 * still comes back on its own after its fallback delay, and the database
 * decides what is delivered.
 */
import type { Cluster, Redis } from 'ioredis';

const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS / 3
local member = ARGV[1]
local ttl = tonumber(ARGV[2])
local place = tonumber(ARGV[3])
-- mode: '0' take the leases or park, '1' take them whatever the caps, '2' only look (park if refused, take nothing)
local force = ARGV[4] == '1'
local probe = ARGV[4] == '2'
-- a lease belongs to one run ("<job id>|<run>"): two runs of one job hold two leases; parked entries are job ids
local job = string.match(member, '^[^|]*')
for i = 1, n do
  redis.call('ZREMRANGEBYSCORE', KEYS[3 * i - 2], '-inf', now)
  redis.call('ZREMRANGEBYSCORE', KEYS[3 * i], '-inf', now)
end
if not force then
  for i = 1, n do
    local leases, parked, promoted = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
    -- a promoted job comes for a lease kept for it: it waits only for a free lease; everyone else
    -- also counts the kept ones as taken
    local mine = redis.call('ZSCORE', promoted, job) ~= false
    local full
    if mine then
      full = redis.call('ZCARD', leases) >= tonumber(ARGV[4 + i])
    else
      full = redis.call('ZCARD', leases) + redis.call('ZCARD', promoted) >= tonumber(ARGV[4 + i])
    end
    local behind = false
    if i == 1 and not full and not mine then
      -- the webhook gate keeps each webhook's order: an earlier parked job goes first
      local head = redis.call('ZRANGE', parked, 0, 0, 'WITHSCORES')
      behind = head[1] ~= nil and head[1] ~= job and tonumber(head[2]) < place
    end
    if full or behind then
      if probe and mine then return {0, 0, 0} end
      -- a promoted job refused here keeps the lease kept for it here (until it lapses): it waits in place
      -- for the next free one; any other gate's kept lease goes back
      for j = 1, n do
        if j ~= i then redis.call('ZREM', KEYS[3 * j - 1], job) end
        if j ~= i or not mine then redis.call('ZREM', KEYS[3 * j], job) end
      end
      redis.call('ZADD', parked, place, job)
      redis.call('PEXPIRE', parked, 86400000)
      local oldest = redis.call('ZRANGE', leases, 0, 0, 'WITHSCORES')
      local age = -1
      if oldest[2] ~= nil then age = now - (tonumber(oldest[2]) - ttl) end
      return {i, age, redis.call('ZRANK', parked, job)}
    end
  end
end
if probe then return {0, 0, 0} end
for i = 1, n do
  redis.call('ZADD', KEYS[3 * i - 2], now + ttl, member)
  redis.call('PEXPIRE', KEYS[3 * i - 2], ttl)
  redis.call('ZREM', KEYS[3 * i - 1], job)
  redis.call('ZREM', KEYS[3 * i], job)
end
return {0, 0, 0}
`;

/**
 * Drops a lease and answers the parked jobs to promote: per gate, as many
 * heads as there are leases free and not already kept for a promoted job,
 * or, at a fast gate (its oldest lease younger than ARGV[5] ms; ARGV[4] is
 * the lease TTL, 0: never fast), up to the cap in transit whatever the
 * leases, so the next lease freed finds a promoted job already waiting for
 * it. Each one promoted is kept (`:promoted`, until ARGV[2] ms from now) so
 * that the next release does not promote it again nor give its lease to
 * someone else. ARGV[3]: a job id whose kept promotion is answered again
 * (it was parked while being promoted: that promotion may have missed it).
 */
const RELEASE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = math.floor(#KEYS / 3)
local member = ARGV[1]
local keep = tonumber(ARGV[2])
local again = ARGV[3]
local ttl = tonumber(ARGV[4])
local fastMs = tonumber(ARGV[5])
local out = {}
-- an extra last key: the flow whose first attempt this was (flow-priority.ts), one fewer pending
if #KEYS % 3 == 1 then
  if redis.call('HINCRBY', KEYS[#KEYS], 'pending', -1) <= 0 then redis.call('DEL', KEYS[#KEYS]) end
end
for i = 1, n do
  local leases, parked, promoted = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  if member ~= '' then redis.call('ZREM', leases, member) end
  redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
  redis.call('ZREMRANGEBYSCORE', promoted, '-inf', now)
  if again ~= '' and redis.call('ZSCORE', promoted, again) ~= false then table.insert(out, again) end
  local kept = redis.call('ZCARD', promoted)
  local cap = tonumber(ARGV[5 + i])
  local held = redis.call('ZCARD', leases)
  local free = cap - held - kept
  if ttl > 0 and held > 0 then
    local oldest = redis.call('ZRANGE', leases, 0, 0, 'WITHSCORES')
    if now - (tonumber(oldest[2]) - ttl) < fastMs then free = cap - kept end
  end
  if free > 0 then
    for _, id in ipairs(redis.call('ZRANGE', parked, 0, free + kept - 1)) do
      if free <= 0 then break end
      if redis.call('ZSCORE', promoted, id) == false then
        redis.call('ZADD', promoted, now + keep, id)
        redis.call('PEXPIRE', promoted, keep)
        table.insert(out, id)
        free = free - 1
      end
    end
  end
end
return out
`;

/** Drops parked entries and kept promotions (a job that is gone or finished). */
const UNPARK = `
for _, key in ipairs(KEYS) do redis.call('ZREM', key, ARGV[1]) end
return 0
`;

export interface ReleaseOptions {
  /** also counts a first attempt of this flow as made */
  flowKey?: string;
  /** how long a promoted job's lease is kept for it */
  keepMs?: number;
  /** a job id whose kept promotion is answered again */
  again?: string;
  /** a gate whose oldest lease is younger than leaseAgeMs (leases live ttlMs) is fast: up to its cap is promoted ahead */
  fast?: { ttlMs: number; leaseAgeMs: number };
}

/** How long a promoted job's lease is kept for it by default (it is normally taken within milliseconds). */
export const DEFAULT_KEEP_MS = 5000;

type Commands = {
  hookrelayFairAcquire(...args: (string | number)[]): Promise<[number, number, number]>;
  hookrelayFairRelease(...args: (string | number)[]): Promise<string[]>;
  hookrelayFairUnpark(...args: (string | number)[]): Promise<number>;
};

/** One gate a delivery passes: its Redis keys' middle part and its cap. */
export interface Gate {
  /** e.g. `w:<webhook id>`, `t:<tenant>`, `r` */
  name: string;
  cap: number;
}

/** Refused: the gate that is full, how long its oldest lease has been held (-1: none) and the job's rank among its parked jobs. */
export type AcquireResult = { ok: true } | { ok: false; gate: Gate; oldestLeaseAgeMs: number; rank: number };

export class FairGates {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
  ) {
    redis.defineCommand('hookrelayFairAcquire', { lua: ACQUIRE });
    redis.defineCommand('hookrelayFairRelease', { lua: RELEASE });
    redis.defineCommand('hookrelayFairUnpark', { lua: UNPARK });
  }

  leasesKey(gate: string): string {
    return `${this.prefix}:fair:${gate}:leases`;
  }

  parkedKey(gate: string): string {
    return `${this.prefix}:fair:${gate}:parked`;
  }

  promotedKey(gate: string): string {
    return `${this.prefix}:fair:${gate}:promoted`;
  }

  private keys(gates: readonly Gate[]): string[] {
    return gates.flatMap((g) => [this.leasesKey(g.name), this.parkedKey(g.name), this.promotedKey(g.name)]);
  }

  private get commands(): Commands {
    return this.redis as unknown as Commands;
  }

  /**
   * Takes a lease in every gate (held at most `ttlMs`), or parks `holder` at
   * `place` in the first gate that is full (or, for the first gate, that has
   * an earlier job parked). `force` takes the leases whatever the caps (ping,
   * resend: counted, never held back); `probe` only looks: it parks a job
   * that would be refused and takes no lease.
   */
  async acquire(gates: readonly Gate[], holder: string, ttlMs: number, place: number, mode: 'admit' | 'force' | 'probe' = 'admit'): Promise<AcquireResult> {
    const [index, age, rank] = await this.commands.hookrelayFairAcquire(
      gates.length * 3,
      ...this.keys(gates),
      holder,
      Math.ceil(ttlMs),
      place,
      mode === 'force' ? '1' : mode === 'probe' ? '2' : '0',
      ...gates.map((g) => g.cap),
    );
    if (Number(index) === 0) return { ok: true };
    return { ok: false, gate: gates[Number(index) - 1]!, oldestLeaseAgeMs: Number(age), rank: Number(rank) };
  }

  /**
   * Drops `holder`'s leases (`''`: none) and answers the parked job ids to
   * promote now, without repeats; a lease is kept for each for `keepMs`.
   * `flowKey`: also counts a first attempt of that flow as made
   * (FlowPriorities.done, in the same round trip). `again`: a job id whose
   * kept promotion is answered once more.
   */
  async release(gates: readonly Gate[], holder: string, options: ReleaseOptions = {}): Promise<string[]> {
    const keys = options.flowKey ? [...this.keys(gates), options.flowKey] : this.keys(gates);
    const keepMs = Math.max(1, Math.ceil(options.keepMs ?? DEFAULT_KEEP_MS));
    const fast = options.fast ?? { ttlMs: 0, leaseAgeMs: 0 };
    const ids = await this.commands.hookrelayFairRelease(
      keys.length,
      ...keys,
      holder,
      keepMs,
      options.again ?? '',
      Math.ceil(fast.ttlMs),
      fast.leaseAgeMs,
      ...gates.map((g) => g.cap),
    );
    return [...new Set(ids.map(String))];
  }

  async unpark(gates: readonly Gate[], jobId: string): Promise<void> {
    const keys = gates.flatMap((g) => [this.parkedKey(g.name), this.promotedKey(g.name)]);
    await this.commands.hookrelayFairUnpark(keys.length, ...keys, jobId);
  }

  /** Leases held now per webhook id (the dashboard's "at its cap"). */
  async inFlightMany(webhookIds: readonly string[]): Promise<Map<string, number>> {
    const now = Date.now();
    const counts = await Promise.all(webhookIds.map((id) => this.redis.zcount(this.leasesKey(`w:${id}`), now, '+inf')));
    return new Map(webhookIds.map((id, i) => [id, counts[i] ?? 0]));
  }

  /** Leases held now in one gate (metrics, tests). */
  async inFlight(gate: string): Promise<number> {
    return this.redis.zcount(this.leasesKey(gate), Date.now(), '+inf');
  }
}
