/**
 * Fleet-wide in-flight caps with leases (docs/scheduling.md). A gate is a
 * pair of Redis sorted sets under the queue prefix:
 *
 *   <prefix>:fair:<gate>:leases   holder -> lease expiry (ms, Redis clock)
 *   <prefix>:fair:<gate>:parked   job id -> its place (the job's priority)
 *
 *   <prefix>:fair:<gate>:promoted job id -> until when a free lease is kept for it
 *   <prefix>:fair:w:<webhook id>:slow  set while the webhook's exchanges are slow
 *
 * A delivery passes up to four gates at once (its webhook, its tenant, for a
 * retry the retry gate, and while its webhook is slow the fleet's slow gate):
 * the acquire script drops expired leases, and
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
import { ACQUIRE, RELEASE, UNPARK } from './fair-gate-scripts.js';

export interface ReleaseOptions {
  /** also counts a first attempt of this flow as made */
  flowKey?: string;
  /** how long a promoted job's lease is kept for it */
  keepMs?: number;
  /** a job id parked again after its promotion: its kept lease is given back, and it is answered again if a lease is free for it */
  again?: string;
  /** a gate whose oldest lease is younger than leaseAgeMs (leases live ttlMs) is fast: up to its cap is promoted ahead */
  fast?: { ttlMs: number; leaseAgeMs: number };
  /** the released exchange marks its webhook slow, or clears the mark (needs `fast.ttlMs`) */
  slow?: SlowRule;
}

/**
 * When a webhook counts as slow: its exchanges last `thresholdMs` or more
 * (one released so, or its oldest lease held that long), remembered for
 * `memoryMs`. A slow webhook's deliveries also pass the last gate given
 * with the rule (the fleet's slow gate); other webhooks' skip it.
 */
export interface SlowRule {
  /** the webhook's gate name, `w:<webhook id>` (its marker is `<prefix>:fair:w:<id>:slow`) */
  webhookGate: string;
  thresholdMs: number;
  memoryMs: number;
}

/**
 * A gate's sorted sets, `<prefix>:fair:<gate>:leases|parked|promoted`, the
 * cap it last refused a job at (`:cap`) and, for a webhook's gate, its slow
 * marker (`:slow`).
 */
export function fairKey(prefix: string, gate: string, kind: 'leases' | 'parked' | 'promoted' | 'cap' | 'slow'): string {
  return `${prefix}:fair:${gate}:${kind}`;
}

/** A parked set outlives its last entry by this much (the acquire script's PEXPIRE). */
const PARKED_TTL_MS = 86_400_000;

/** How long a promoted job's lease is kept for it by default (it is normally taken within milliseconds). */
export const DEFAULT_KEEP_MS = 5000;

type Commands = {
  hookrelayFairAcquire(...args: (string | number)[]): Promise<[number, number, number, number]>;
  hookrelayFairRelease(...args: (string | number)[]): Promise<string[]>;
  hookrelayFairUnpark(...args: (string | number)[]): Promise<number>;
};

/** One gate a delivery passes: its Redis keys' middle part and its cap. */
export interface Gate {
  /** e.g. `w:<webhook id>`, `t:<tenant>`, `r` */
  name: string;
  cap: number;
}

/**
 * Refused: the gate that is full, how long its oldest lease has been held
 * (-1: none), the job's rank among its parked jobs and, when the webhook's
 * gate refused it and the queue was looked at (QueueLook), whether the next
 * job a free worker slot would take is this webhook's too, or none at all.
 */
export type AcquireResult = { ok: true } | { ok: false; gate: Gate; oldestLeaseAgeMs: number; rank: number; alone: boolean };

/** Where the acquire script looks at the deliveries queue: BullMQ's prioritized set and job keys, and how a job of this webhook reads in its data. */
export interface QueueLook {
  prioritizedKey: string;
  jobKeyPrefix: string;
  /** a text only the data of this webhook's first attempts holds, e.g. `"flow":"<webhook id>"` */
  mark: string;
}

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
    return fairKey(this.prefix, gate, 'leases');
  }

  parkedKey(gate: string): string {
    return fairKey(this.prefix, gate, 'parked');
  }

  promotedKey(gate: string): string {
    return fairKey(this.prefix, gate, 'promoted');
  }

  slowKey(webhookGate: string): string {
    return fairKey(this.prefix, webhookGate, 'slow');
  }

  /** Where a release of a full gate is announced (its leases key), for other processes' waiters. */
  get releasedChannel(): string {
    return `${this.prefix}:fair:released`;
  }

  /** The gate name of a leases key (as announced on releasedChannel); null for another prefix's. */
  gateOfLeasesKey(key: string): string | null {
    const head = `${this.prefix}:fair:`;
    return key.startsWith(head) && key.endsWith(':leases') ? key.slice(head.length, -':leases'.length) : null;
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
   * that would be refused and takes no lease. With `slow`, the last gate is
   * passed only while the webhook is slow.
   */
  async acquire(
    gates: readonly Gate[],
    holder: string,
    ttlMs: number,
    place: number,
    mode: 'admit' | 'force' | 'probe' = 'admit',
    slow?: SlowRule,
    queue?: QueueLook,
  ): Promise<AcquireResult> {
    const keys = [...this.keys(gates), fairKey(this.prefix, gates[0]!.name, 'cap')];
    if (queue) keys.push(queue.prioritizedKey);
    if (slow) keys.push(this.slowKey(slow.webhookGate));
    const [index, age, rank, alone] = await this.commands.hookrelayFairAcquire(
      keys.length,
      ...keys,
      holder,
      Math.ceil(ttlMs),
      place,
      mode === 'force' ? '1' : mode === 'probe' ? '2' : '0',
      slow ? Math.max(1, Math.ceil(slow.thresholdMs)) : 0,
      slow ? Math.max(1, Math.ceil(slow.memoryMs)) : 0,
      queue?.jobKeyPrefix ?? '',
      queue?.mark ?? '',
      ...gates.map((g) => g.cap),
    );
    if (Number(index) === 0) return { ok: true };
    return { ok: false, gate: gates[Number(index) - 1]!, oldestLeaseAgeMs: Number(age), rank: Number(rank), alone: Number(alone) === 1 };
  }

  /**
   * Drops `holder`'s leases (`''`: none) and answers the parked job ids to
   * promote now, without repeats; a lease is kept for each for `keepMs`.
   * `flowKey`: also counts a first attempt of that flow as made
   * (FlowPriorities.done, in the same round trip). `again`: a job id parked
   * again after its promotion (its kept lease is given back; it is answered
   * if a lease is free for it). `slow`: the exchange marks its
   * webhook slow or clears the mark (SlowRule).
   */
  async release(gates: readonly Gate[], holder: string, options: ReleaseOptions = {}): Promise<string[]> {
    const keys = this.keys(gates);
    if (options.flowKey) keys.push(options.flowKey);
    if (options.slow) keys.push(this.slowKey(options.slow.webhookGate));
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
      options.flowKey ? '1' : '0',
      options.slow ? Math.max(1, Math.ceil(options.slow.thresholdMs)) : 0,
      options.slow ? Math.max(1, Math.ceil(options.slow.memoryMs)) : 0,
      ...gates.map((g) => g.cap),
      this.releasedChannel,
    );
    return [...new Set(ids.map(String))];
  }

  /** Records jobs in a gate's parked set, each at its place (parked at enqueue: no lease was asked for). */
  async park(gate: string, entries: readonly (readonly [place: number, jobId: string])[]): Promise<void> {
    const key = this.parkedKey(gate);
    await this.redis
      .multi()
      .zadd(key, ...entries.flat())
      .pexpire(key, PARKED_TTL_MS)
      .exec();
  }

  async unpark(gates: readonly Gate[], jobId: string): Promise<void> {
    const keys = gates.flatMap((g) => [this.parkedKey(g.name), this.promotedKey(g.name)]);
    await this.commands.hookrelayFairUnpark(keys.length, ...keys, jobId);
  }

  /**
   * Leases held now per webhook id (the dashboard's "at its cap"): one
   * pipeline, so a tenant's hundred webhooks cost one round trip, not a
   * hundred writes (on a cluster the keys share the prefix's hash tag).
   */
  async inFlightMany(webhookIds: readonly string[]): Promise<Map<string, number>> {
    if (!webhookIds.length) return new Map();
    const now = Date.now();
    const pipeline = this.redis.pipeline();
    for (const id of webhookIds) pipeline.zcount(this.leasesKey(`w:${id}`), now, '+inf');
    const replies = (await pipeline.exec()) ?? [];
    return new Map(
      webhookIds.map((id, i) => {
        const [error, count] = replies[i] ?? [null, 0];
        if (error) throw error;
        return [id, Number(count ?? 0)];
      }),
    );
  }

  /** Leases held now in one gate (metrics, tests). */
  async inFlight(gate: string): Promise<number> {
    return this.redis.zcount(this.leasesKey(gate), Date.now(), '+inf');
  }
}
