/**
 * Fair delivery, the worker's side (docs/scheduling.md): before its HTTP
 * exchange a delivery takes a lease in its webhook's gate (cap
 * `max_in_flight` or ENDPOINT_MAX_IN_FLIGHT), its tenant's gate (a share of
 * the fleet's slots), for a retry the retry gate (another share) and, while
 * its webhook's exchanges are slow, the fleet's slow gate (half the slots,
 * whatever the tenant). Over
 * a cap the job is parked: it goes back to BullMQ's delayed set (no worker
 * slot, no attempt used, its priority kept) and is promoted as soon as a
 * lease of that gate is released. Leases cover the HTTP exchange only and
 * expire, so a crashed worker's permits come back.
 */
import { randomUUID } from 'node:crypto';
import { DelayedError, Job, type Queue } from 'bullmq';
import type { Logger } from '@hookrelay/core';
import type { EnqueueParking, ParkedAtEnqueue } from './delivery-queue.js';
import type { AcquireResult, FairGates, Gate, QueueLook, ReleaseOptions, SlowRule } from './fair-gate.js';
import type { FleetCapacity } from './fleet-capacity.js';
import { SHARED_FLOW, isFirstAttempt, type FlowPriorities } from './flow-priority.js';

export interface FairOptions {
  /** ENDPOINT_MAX_IN_FLIGHT */
  endpointMaxInFlight: number;
  /** DELIVERY_TIMEOUT_MS: a lease outlives the longest HTTP exchange by LEASE_MARGIN_MS */
  timeoutMs: number;
  /** share of the fleet's slots one tenant's deliveries may hold (default 0.8) */
  tenantShare?: number;
  /** share of the fleet's slots retries may hold (default 0.5) */
  retryShare?: number;
  /** share of the fleet's slots exchanges with slow webhooks may hold, all tenants together (default 0.5) */
  slowShare?: number;
}

export const LEASE_MARGIN_MS = 5000;
/** While a full webhook's or tenant's oldest lease is younger than this, its endpoints answer fast: wait a moment in place instead of parking. */
const FAST_LEASE_MS = 150;
/**
 * At a fast webhook's cap a job waits in place for a lease (the earliest
 * waiter woken by each release in this process or announced by another, and
 * looking again every FAST_POLL_MS), instead of a park and promotion round
 * trip through BullMQ that costs more than the exchange it waits for. Up to
 * `cap` jobs per gate wait so in one process for FAST_WAIT_MS at most. More
 * wait only while the next job the queue would hand out is that webhook's
 * own (nobody else waits for a worker slot), and park as soon as another
 * webhook's job is next: a burst holds more slots than its cap only while
 * no one else could use them. A fast tenant at its share waits the same
 * way, up to its cap's worth of jobs per process.
 */
const FAST_WAIT_MS = 1000;
const FAST_POLL_MS = 10;
/** A waiter that is not its gate's earliest looks again at least this often (a wake-up lost to a race). */
const WAITER_SAFETY_MS = 500;
/** A parked job's fallback (a promotion that never came) is at most this far away. */
const MAX_FALLBACK_MS = 5 * 60_000;
/** After a refusal, a webhook's jobs are probed (Redis only) before their notification is loaded, for this long. */
const BUSY_HINT_MS = 5000;
/** Stale hints are swept once the map holds this many. */
const BUSY_SWEEP_AT = 1000;
/**
 * A webhook whose exchanges last this long (a slow or hanging endpoint) is
 * slow for SLOW_MEMORY_MS after the last such exchange, until one is
 * shorter: several tenants' slow webhooks, each tenant within its share,
 * then hold at most the slow share of the fleet together.
 */
export const SLOW_EXCHANGE_MS = 1000;
const SLOW_MEMORY_MS = 60_000;

/** What a delivery is, for the gates. */
export interface FairSubject {
  webhookId: string;
  tenantId: string;
  maxInFlight: number | null;
  /** attempts already made in this cycle: > 0 is a retry */
  cycleAttempts: number;
}

export interface Lease {
  holder: string;
  gates: Gate[];
  /** the release marks the webhook slow, or clears the mark */
  slow?: SlowRule;
}

/** The gates that refused a webhook's job lately: its next jobs look there first. */
interface BusyHint {
  gates: Gate[];
  slow: SlowRule;
  until: number;
}

export class FairScheduler implements EnqueueParking {
  /** per gate, the jobs of this process waiting in place for a lease: each one's wake-up, its place and whether it waits beyond the cap */
  private readonly waiters = new Map<string, Map<Waiter, { place: number; extra: boolean }>>();
  private readonly ticks = new Map<string, NodeJS.Timeout>();
  /** the same waiters by job id, for a release that names one of them */
  private readonly waitingJobs = new Map<string, Waiter>();
  private readonly busy = new Map<string, BusyHint>();
  readonly leaseTtlMs: number;
  /** what makes a gate fast for the release script (its oldest lease younger than FAST_LEASE_MS) */
  private readonly fastGate: { ttlMs: number; leaseAgeMs: number };
  /** where the acquire script reads the queue's next job (QueueLook), built once */
  private readonly queueKeys: Omit<QueueLook, 'mark'>;

  constructor(
    private readonly gates: FairGates,
    private readonly queue: Queue,
    private readonly flows: FlowPriorities,
    private readonly fleet: FleetCapacity | null,
    private readonly options: FairOptions,
    private readonly logger: Logger,
  ) {
    this.leaseTtlMs = options.timeoutMs + LEASE_MARGIN_MS;
    this.fastGate = { ttlMs: this.leaseTtlMs, leaseAgeMs: FAST_LEASE_MS };
    this.queueKeys = { prioritizedKey: queue.toKey('prioritized'), jobKeyPrefix: queue.toKey('') };
  }

  get defaultCap(): number {
    return this.options.endpointMaxInFlight;
  }

  webhookGate(webhookId: string, maxInFlight: number | null): Gate {
    return { name: `w:${webhookId}`, cap: maxInFlight ?? this.options.endpointMaxInFlight };
  }

  /** The gates of a delivery; the last, the slow gate, is passed only while its webhook is slow (`slowRule`). */
  gatesFor(subject: FairSubject): Gate[] {
    const slots = this.fleet?.slots() ?? 1;
    const share = (fraction: number) => Math.max(1, Math.floor(slots * fraction));
    const gates = [this.webhookGate(subject.webhookId, subject.maxInFlight), { name: `t:${subject.tenantId}`, cap: share(this.options.tenantShare ?? 0.8) }];
    if (subject.cycleAttempts > 0) gates.push({ name: 'r', cap: share(this.options.retryShare ?? 0.5) });
    gates.push({ name: 's', cap: share(this.options.slowShare ?? 0.5) });
    return gates;
  }

  slowRule(webhookId: string): SlowRule {
    return { webhookGate: `w:${webhookId}`, thresholdMs: SLOW_EXCHANGE_MS, memoryMs: SLOW_MEMORY_MS };
  }

  /**
   * A lease for `job`'s HTTP exchange, or (over a cap) the job parked and
   * BullMQ's DelayedError thrown. A job not run by a Worker (no lock token)
   * is never parked: it takes its lease whatever the caps.
   */
  async admit(job: Job, subject: FairSubject): Promise<Lease> {
    const gates = this.gatesFor(subject);
    const slow = this.slowRule(subject.webhookId);
    // one lease per run, not per job: a job run twice at once (a promotion racing the run that parked it)
    // takes two leases, so the cap counts every HTTP exchange; the parked entry stays the job id
    const holder = `${job.id}|${job.token ?? randomUUID()}`;
    const place = job.priority || job.timestamp;
    const deadline = Date.now() + FAST_WAIT_MS;
    const flow = (job.data as { flow?: string } | undefined)?.flow;
    const queue = job.token !== undefined && flow === subject.webhookId ? this.queueLook(flow) : undefined;
    for (;;) {
      const result = await this.gates.acquire(gates, holder, this.leaseTtlMs, place, job.token === undefined ? 'force' : 'admit', slow, queue);
      if (result.ok) return { holder, gates, slow };
      const gate = result.gate;
      // a fast webhook or tenant frees a lease within moments: wait for it here (retries and slow
      // exchanges park, so that they never hold a worker slot that first attempts or healthy webhooks need)
      if ((gate === gates[0] || gate === gates[1]) && isFast(result)) {
        // someone else's job waits for a worker slot: the jobs waiting here beyond the cap give theirs up
        if (gate === gates[0] && queue && !result.alone) this.evictExtras(gate.name);
        // no lease held: refused only for jobs promoted or parked ahead of it; with no release to come,
        // nobody else would promote those
        if (result.oldestLeaseAgeMs === -1) await this.lookAgain([gate]);
        const waiting = this.waiters.get(gate.name)?.size ?? 0;
        const within = Date.now() < deadline && waiting < gate.cap;
        if ((within || result.alone) && (await this.pause(gate.name, String(job.id), place, !within)) === 'woken') continue;
      }
      this.noteBusy(busyKey(subject.webhookId, subject.cycleAttempts > 0), gates, slow);
      await this.park(job, gates, result);
    }
  }

  /** Promotes the parked jobs that free leases of `gates` are waiting for, as a release would. Never throws. */
  private async lookAgain(gates: Gate[], options?: ReleaseOptions): Promise<void> {
    try {
      await this.promote(gates, await this.gates.release(gates, '', options));
    } catch (error) {
      this.logger.warn(
        { err: error, gates: gates.map((g) => g.name) },
        'looking for parked jobs to promote failed; they look again after their fallback delay',
      );
    }
  }

  /** How the acquire script tells whether the queue's next job is also this webhook's first attempt (its data carries the flow). */
  private queueLook(webhookId: string): QueueLook {
    return { ...this.queueKeys, mark: `"flow":"${webhookId}"` };
  }

  /**
   * Before the notification is loaded: a job of a webhook whose jobs were
   * refused lately is checked against the same gates in Redis alone and, if it
   * would be refused, parked without touching Postgres. A backlog of a
   * thousand jobs behind a full webhook then costs Redis round trips, not
   * database reads that queue in front of everyone else's. Taking the lease
   * stays with `admit` (after the load, with the gates as they are now).
   */
  async probe(job: Job): Promise<void> {
    const webhookId = (job.data as { flow?: string } | undefined)?.flow;
    if (job.token === undefined || !webhookId || webhookId === SHARED_FLOW) return;
    const key = busyKey(webhookId, !isFirstAttempt(job.priority));
    const hint = this.busy.get(key);
    if (!hint) return;
    if (hint.until < Date.now()) {
      this.busy.delete(key);
      return;
    }
    const result = await this.gates.acquire(hint.gates, String(job.id), this.leaseTtlMs, job.priority || job.timestamp, 'probe', hint.slow);
    // the gates have room again: the webhook's next jobs go straight to their load until another refusal.
    // A webhook refused once in a while (a tenant at its share for a moment) would otherwise pay a second
    // Lua call on every delivery for BUSY_HINT_MS: in the throughput bench, 2 acquires per delivery
    if (result.ok) {
      this.busy.delete(key);
      return;
    }
    // a gate whose exchanges are short frees a lease within milliseconds: admit waits in place for it instead
    if (!isFast(result)) await this.park(job, hint.gates, result);
  }

  /**
   * Remembers the gates that refused a job of `key`'s webhook. A hint is
   * dropped when a probe finds it stale; hints of webhooks that never come
   * back are swept here once there are many, so the map stays bounded by the
   * webhooks refused within the last BUSY_HINT_MS.
   */
  private noteBusy(key: string, gates: Gate[], slow: SlowRule): void {
    const now = Date.now();
    if (this.busy.size >= BUSY_SWEEP_AT) for (const [k, hint] of this.busy) if (hint.until < now) this.busy.delete(k);
    this.busy.set(key, { gates, slow, until: now + BUSY_HINT_MS });
  }

  /** A lease for ping and resend: counted in the webhook's gate, never held back. */
  async forced(webhookId: string, maxInFlight: number | null, holder: string): Promise<Lease> {
    const gates = [this.webhookGate(webhookId, maxInFlight)];
    await this.gates.acquire(gates, holder, this.leaseTtlMs, 0, 'force');
    return { holder, gates };
  }

  /**
   * Ends the lease and promotes the parked jobs that may run now; `flow`: the
   * job's first attempt was made (its flow's backlog shrinks). Never throws
   * (a lost lease expires).
   */
  async release(lease: Lease, flow?: string): Promise<void> {
    try {
      const next = await this.gates.release(lease.gates, lease.holder, {
        ...(flow ? { flowKey: this.flows.key(flow) } : {}),
        ...(lease.slow ? { slow: lease.slow } : {}),
        fast: this.fastGate,
      });
      this.wake(lease.gates);
      await this.promote(lease.gates, next);
    } catch (error) {
      this.logger.warn({ err: error, holder: lease.holder }, 'releasing a delivery lease failed; it expires by itself');
    }
  }

  /** The job's first attempt was made, or it ended without one: its flow's backlog shrinks. */
  async flowDone(flow: string | undefined): Promise<void> {
    if (flow) await this.flows.done(flow).catch((error) => this.logger.warn({ err: error, flow }, 'flow bookkeeping failed'));
  }

  /** The job ended without an attempt (cancelled, no longer PENDING): it leaves any parked set. */
  async forget(job: Job, subject: FairSubject): Promise<void> {
    await this.gates.unpark(this.gatesFor({ ...subject, cycleAttempts: 1 }), String(job.id)).catch(() => undefined);
  }

  /**
   * How long a parked job waits before it looks by itself. Promotion wakes a
   * parked job; the fallback only covers a promotion that never comes (a
   * crashed worker's leases expire after leaseTtlMs, and the head's fallback
   * restarts the chain). A job `rank` deep waits about rank / cap turns of the
   * gate (a turn: about as long as its oldest lease has been held), so it
   * looks no earlier than that: a backlog of thousands behind a slow endpoint
   * then does not come back in waves only to be parked again.
   */
  fallbackMs({ cap, rank, oldestLeaseAgeMs }: { cap: number; rank: number; oldestLeaseAgeMs: number }): number {
    const turns = Math.floor(Math.max(0, rank) / Math.max(1, cap));
    const turnMs = oldestLeaseAgeMs >= 0 ? Math.max(FAST_LEASE_MS, oldestLeaseAgeMs) : this.leaseTtlMs;
    return Math.min(MAX_FALLBACK_MS, this.leaseTtlMs + turns * turnMs) + Math.floor(Math.random() * 1000);
  }

  /**
   * First attempts added delayed at enqueue (DeliveryQueue): recorded in
   * their webhook's parked set at their priority, then the gate is looked at
   * once, as a release would: a gate that freed up meanwhile promotes them at
   * once. Never throws: a job whose entry is lost comes back on its fallback.
   */
  async parkedAtEnqueue(jobs: readonly ParkedAtEnqueue[]): Promise<void> {
    const byWebhook = new Map<string, ParkedAtEnqueue[]>();
    for (const job of jobs) {
      const list = byWebhook.get(job.webhookId) ?? [];
      list.push(job);
      byWebhook.set(job.webhookId, list);
    }
    await Promise.all(
      [...byWebhook].map(async ([webhookId, parked]) => {
        const gate = this.webhookGate(webhookId, parked[0]!.cap);
        try {
          await this.gates.park(
            gate.name,
            parked.map((job) => [job.priority, job.jobId] as const),
          );
        } catch (error) {
          this.logger.warn({ err: error, webhook_id: webhookId }, 'parking at enqueue failed; the jobs look again after their fallback delay');
          return;
        }
        await this.lookAgain([gate], { fast: this.fastGate });
      }),
    );
  }

  private async park(job: Job, gates: Gate[], refusal: Refusal): Promise<never> {
    const { gate: full, rank, oldestLeaseAgeMs } = refusal;
    const fallbackMs = this.fallbackMs({ cap: full.cap, rank, oldestLeaseAgeMs });
    await job.moveToDelayed(Date.now() + fallbackMs, job.token);
    // A lease released between the refusal and the move could not promote this job (it was still active):
    // look again, but only once BullMQ has finished with this run (a macrotask later): a promotion before
    // that lets another slot of this worker take the job while BullMQ still tracks it for this run, and
    // ending this run would stop renewing the new run's lock
    // (only near the head: a release promotes at most the cap's worth of heads, so a job deeper in the
    // parked set cannot have been named in those few milliseconds, and a backlog of thousands parks
    // without a second round trip each). Not as a fast gate: that would promote it again while every
    // lease is held, to be fetched, refused and parked once more, in a loop
    const id = String(job.id);
    if (rank < full.cap)
      setTimeout(
        () =>
          void this.gates
            .release(gates, '', { again: id })
            .then((ids) => this.promote(gates, ids))
            .catch(() => undefined),
        0,
      );
    throw new DelayedError(`parked: ${full.name} at its cap of ${full.cap}`);
  }

  /** Promotes delayed jobs by id (a job not delayed, or gone, is left alone). */
  async promoteJobs(ids: string[]): Promise<void> {
    await this.promote([], ids);
  }

  private async promote(gates: Gate[], ids: string[]): Promise<void> {
    await Promise.all(
      ids.map(async (id) => {
        // a job of this process waiting in place (the acquire script records it in the parked set too):
        // it takes the lease kept for it now, with no BullMQ promotion that could only fail
        const waiting = this.waitingJobs.get(id);
        if (waiting) return waiting('woken');
        try {
          await new Job(this.queue, 'deliver', {}, {}, id).promote();
        } catch (error) {
          if (!gates.length) return;
          // gone: a stale entry to drop; not delayed: waiting or running already (fine), or finished (stale)
          const gone = error instanceof Error && /missing key/i.test(error.message);
          const state = gone ? 'unknown' : await this.queue.getJobState(id).catch(() => 'unknown');
          if (state === 'unknown' || state === 'completed' || state === 'failed') await this.gates.unpark(gates, id);
        }
      }),
    );
  }

  /**
   * Waits in place for a lease of `gate` until woken (a release, the
   * gate's tick, or this waiter's own safety timer: 'woken') or, for a job
   * waiting beyond the cap (`extra`), until another webhook's job waits
   * for a worker slot ('evicted': it parks).
   */
  private pause(gate: string, jobId: string, place: number, extra: boolean): Promise<'woken' | 'evicted'> {
    return new Promise((resolve) => {
      let waiting = this.waiters.get(gate);
      if (!waiting) {
        waiting = new Map();
        this.waiters.set(gate, waiting);
        // the gate's tick: its earliest waiter looks again every FAST_POLL_MS (a lease freed by another
        // process that did not announce it, or one that expired), the others only when woken
        const tick = setInterval(() => this.wakeGate(gate), FAST_POLL_MS);
        tick.unref();
        this.ticks.set(gate, tick);
      }
      const here = waiting;
      const done = (why: 'woken' | 'evicted') => {
        clearTimeout(timer);
        here.delete(done);
        if (this.waitingJobs.get(jobId) === done) this.waitingJobs.delete(jobId);
        if (!here.size && this.waiters.get(gate) === here) {
          this.waiters.delete(gate);
          clearInterval(this.ticks.get(gate));
          this.ticks.delete(gate);
        }
        resolve(why);
      };
      const timer = setTimeout(() => done('woken'), WAITER_SAFETY_MS);
      here.set(done, { place, extra });
      this.waitingJobs.set(jobId, done);
    });
  }

  private wake(gates: Gate[]): void {
    for (const gate of gates) this.wakeGate(gate.name);
  }

  /**
   * A lease of `gate` was released (here, or in another process that
   * announced it): the job of this process waiting in place for it with the
   * earliest place looks again now. One release frees one lease: waking
   * every waiter had all but one refused again, a Lua call each.
   */
  wakeGate(gate: string): void {
    const waiting = this.waiters.get(gate);
    if (!waiting) return;
    let first: Waiter | undefined;
    let firstPlace = Number.POSITIVE_INFINITY;
    for (const [done, { place }] of waiting) {
      if (place < firstPlace) {
        first = done;
        firstPlace = place;
      }
    }
    first?.('woken');
  }

  /** Another webhook's job waits for a worker slot: the jobs waiting at `gate` beyond its cap park. */
  private evictExtras(gate: string): void {
    for (const [done, { extra }] of [...(this.waiters.get(gate) ?? [])]) if (extra) done('evicted');
  }
}

type Waiter = (why: 'woken' | 'evicted') => void;

type Refusal = Extract<AcquireResult, { ok: false }>;

/**
 * The gate's oldest lease is young (its endpoint answers fast), or no lease
 * is held at all: then the job was refused only for jobs already on their
 * way to the gate (promoted, their leases kept) or parked ahead of it, and
 * a lease is free for it within moments.
 */
function isFast(refusal: Refusal): boolean {
  // -1: no lease held; any other negative age is a lease taken with a longer TTL than ours (another
  // process's DELIVERY_TIMEOUT_MS), whose age is unknown here
  return refusal.oldestLeaseAgeMs === -1 || (refusal.oldestLeaseAgeMs >= 0 && refusal.oldestLeaseAgeMs < FAST_LEASE_MS);
}

function busyKey(webhookId: string, retry: boolean): string {
  return retry ? `${webhookId}|r` : webhookId;
}
