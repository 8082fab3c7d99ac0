/**
 * Fair delivery, the worker's side (docs/scheduling.md): before its HTTP
 * exchange a delivery takes a lease in its webhook's gate (cap
 * `max_in_flight` or ENDPOINT_MAX_IN_FLIGHT), its tenant's gate (a share of
 * the fleet's slots) and, for a retry, the retry gate (another share). Over
 * a cap the job is parked: it goes back to BullMQ's delayed set (no worker
 * slot, no attempt used, its priority kept) and is promoted as soon as a
 * lease of that gate is released. Leases cover the HTTP exchange only and
 * expire, so a crashed worker's permits come back.
 */
import { randomUUID } from 'node:crypto';
import { DelayedError, Job, type Queue } from 'bullmq';
import type { Logger } from '@hookrelay/core';
import type { FairGates, Gate } from './fair-gate.js';
import type { FleetCapacity } from './fleet-capacity.js';
import type { FlowPriorities } from './flow-priority.js';

export interface FairOptions {
  /** ENDPOINT_MAX_IN_FLIGHT */
  endpointMaxInFlight: number;
  /** DELIVERY_TIMEOUT_MS: a lease outlives the longest HTTP exchange by LEASE_MARGIN_MS */
  timeoutMs: number;
  /** share of the fleet's slots one tenant's deliveries may hold (default 0.8) */
  tenantShare?: number;
  /** share of the fleet's slots retries may hold (default 0.5) */
  retryShare?: number;
}

export const LEASE_MARGIN_MS = 5000;
/** While the full webhook's oldest lease is younger than this, the endpoint answers fast: wait a moment in place instead of parking. */
const FAST_LEASE_MS = 150;
const SPIN_DELAYS_MS = [1, 2, 4, 8, 16, 32];
/** A parked job's fallback is at most this many lease lifetimes away. */
const MAX_FALLBACK_LEASES = 4;

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
}

export class FairScheduler {
  private readonly waiters = new Map<string, Set<() => void>>();
  readonly leaseTtlMs: number;

  constructor(
    private readonly gates: FairGates,
    private readonly queue: Queue,
    private readonly flows: FlowPriorities,
    private readonly fleet: FleetCapacity | null,
    private readonly options: FairOptions,
    private readonly logger: Logger,
  ) {
    this.leaseTtlMs = options.timeoutMs + LEASE_MARGIN_MS;
  }

  webhookGate(webhookId: string, maxInFlight: number | null): Gate {
    return { name: `w:${webhookId}`, cap: maxInFlight ?? this.options.endpointMaxInFlight };
  }

  gatesFor(subject: FairSubject): Gate[] {
    const slots = this.fleet?.slots() ?? 1;
    const gates = [
      this.webhookGate(subject.webhookId, subject.maxInFlight),
      { name: `t:${subject.tenantId}`, cap: Math.max(1, Math.floor(slots * (this.options.tenantShare ?? 0.8))) },
    ];
    if (subject.cycleAttempts > 0) gates.push({ name: 'r', cap: Math.max(1, Math.floor(slots * (this.options.retryShare ?? 0.5))) });
    return gates;
  }

  /**
   * A lease for `job`'s HTTP exchange, or (over a cap) the job parked and
   * BullMQ's DelayedError thrown. A job not run by a Worker (no lock token)
   * is never parked: it takes its lease whatever the caps.
   */
  async admit(job: Job, subject: FairSubject): Promise<Lease> {
    const gates = this.gatesFor(subject);
    // one lease per run, not per job: a job run twice at once (a promotion racing the run that parked it)
    // takes two leases, so the cap counts every HTTP exchange; the parked entry stays the job id
    const holder = `${job.id}|${job.token ?? randomUUID()}`;
    const place = job.priority || job.timestamp;
    for (let spin = 0; ; spin++) {
      const result = await this.gates.acquire(gates, holder, this.leaseTtlMs, place, job.token === undefined);
      if (result.ok) return { holder, gates };
      const fast = result.gate === gates[0] && result.oldestLeaseAgeMs >= 0 && result.oldestLeaseAgeMs < FAST_LEASE_MS;
      if (fast && spin < SPIN_DELAYS_MS.length) {
        await this.pause(result.gate.name, SPIN_DELAYS_MS[spin]!);
        continue;
      }
      await this.park(job, gates, result.gate, result.rank);
    }
  }

  /** A lease for ping and resend: counted in the webhook's gate, never held back. */
  async forced(webhookId: string, maxInFlight: number | null, holder: string): Promise<Lease> {
    const gates = [this.webhookGate(webhookId, maxInFlight)];
    await this.gates.acquire(gates, holder, this.leaseTtlMs, 0, true);
    return { holder, gates };
  }

  /**
   * Ends the lease and promotes the parked jobs that may run now; `flow`: the
   * job's first attempt was made (its flow's backlog shrinks). Never throws
   * (a lost lease expires).
   */
  async release(lease: Lease, flow?: string): Promise<void> {
    try {
      const next = await this.gates.release(lease.gates, lease.holder, flow ? this.flows.key(flow) : undefined);
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

  private async park(job: Job, gates: Gate[], full: Gate, rank: number): Promise<never> {
    // promotion wakes a parked job; the fallback only covers a promotion that never comes (a crashed
    // worker's leases expire after leaseTtlMs): the deeper in the parked set, the later it needs to look
    const depth = Math.min(MAX_FALLBACK_LEASES - 1, Math.floor(Math.max(0, rank) / Math.max(1, full.cap)));
    const fallbackMs = this.leaseTtlMs * (1 + depth) + Math.floor(Math.random() * 1000);
    await job.moveToDelayed(Date.now() + fallbackMs, job.token);
    // A lease released between the refusal and the move could not promote this job: look again, but only
    // once BullMQ has finished with this run (a macrotask later): a promotion before that lets another slot of
    // this worker take the job while BullMQ still tracks it for this run, and ending this run would stop
    // renewing the new run's lock.
    setTimeout(() => void this.gates.release(gates, '').then((ids) => this.promote(gates, ids)).catch(() => undefined), 0);
    throw new DelayedError(`parked: ${full.name} at its cap of ${full.cap}`);
  }

  /** Promotes delayed jobs by id (a job not delayed, or gone, is left alone). */
  async promoteJobs(ids: string[]): Promise<void> {
    await this.promote([], ids);
  }

  private async promote(gates: Gate[], ids: string[]): Promise<void> {
    await Promise.all(
      ids.map(async (id) => {
        try {
          await new Job(this.queue, 'deliver', {}, {}, id).promote();
        } catch {
          // not delayed: waiting or running already (fine), or gone/finished (a stale entry to drop)
          const state = await this.queue.getJobState(id).catch(() => 'unknown');
          if (gates.length && (state === 'unknown' || state === 'completed' || state === 'failed')) await this.gates.unpark(gates, id);
        }
      }),
    );
  }

  private pause(gate: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(gate) ?? new Set();
      this.waiters.set(gate, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (!set.size) this.waiters.delete(gate);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  private wake(gates: Gate[]): void {
    for (const gate of gates) for (const done of [...(this.waiters.get(gate.name) ?? [])]) done();
  }
}
