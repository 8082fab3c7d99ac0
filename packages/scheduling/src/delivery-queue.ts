/**
 * The deliveries queue: one BullMQ job per notification, its job id the
 * notification id (so enqueueing twice is a no-op), carrying ids only.
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { Batcher, DELIVERY_JOB_NAME, DELIVERY_JOB_RETENTION, QUEUES, totalAttempts, type DeliveryJobData, type RetrySchedule } from '@hookrelay/core';

import { FlowPriorities, RETRY_PRIORITY, SHARED_FLOW, type FlowAdmission } from './flow-priority.js';

export const BACKOFF_TYPE = 'hookrelay';

export type JobState = 'absent' | 'finished' | 'live';

export interface DeliveryToEnqueue {
  notificationId: string;
  /** attempts already made in the current retry cycle */
  cycleAttempts?: number;
  delayMs?: number;
  /** W3C trace context for the attempts (only while tracing is on) */
  traceparent?: string;
  /** its webhook: the flow whose backlog position becomes the job's priority (docs/scheduling.md) */
  webhookId?: string;
}

/** A first attempt added to BullMQ's delayed set at enqueue, to be recorded in its webhook's parked set. */
export interface ParkedAtEnqueue {
  jobId: string;
  webhookId: string;
  priority: number;
  /** the webhook's cap as the flow knows it */
  cap: number;
}

/**
 * Parking at enqueue (FairScheduler; docs/scheduling.md): first attempts of a
 * slow webhook that already has a backlog are added delayed and parked
 * straight away, instead of being fetched by a worker only to be parked.
 */
export interface EnqueueParking {
  /** ENDPOINT_MAX_IN_FLIGHT: the cap of a webhook whose flow has not learnt its own */
  readonly defaultCap: number;
  readonly leaseTtlMs: number;
  /** how long a parked job waits before it looks by itself, should no promotion come */
  fallbackMs(parked: NonNullable<FlowAdmission['parked']>): number;
  /** the jobs were added delayed: records them in their webhooks' parked sets and promotes those that may run now */
  parkedAtEnqueue(jobs: readonly ParkedAtEnqueue[]): Promise<void>;
}

/** Ids only, plus a first attempt's flow and the trace context when there are. */
function jobData(item: DeliveryToEnqueue, flow: string | undefined): DeliveryJobData {
  return {
    notificationId: item.notificationId,
    ...(flow === undefined ? {} : { flow }),
    ...(item.traceparent ? { traceparent: item.traceparent } : {}),
  };
}

export class DeliveryQueue {
  readonly queue: Queue<DeliveryJobData, unknown, string>;
  /** concurrent enqueues (one per event) share one addBulk */
  private readonly adds: Batcher<readonly DeliveryToEnqueue[], void>;
  readonly flows: FlowPriorities;
  private parking: EnqueueParking | null = null;

  constructor(
    private readonly connection: Redis | Cluster,
    prefix: string,
    private readonly schedule: RetrySchedule,
  ) {
    this.queue = new Queue<DeliveryJobData, unknown, string>(QUEUES.deliveries, { connection, prefix });
    this.flows = new FlowPriorities(connection, prefix);
    this.adds = new Batcher((groups) => this.addAll(groups), { maxBatch: 100, maxInFlight: 2 });
  }

  /** From now on first attempts of a slow webhook with a backlog are parked at enqueue (the process's fair scheduling). */
  parkWith(parking: EnqueueParking): void {
    this.parking = parking;
  }

  jobOptions(item: DeliveryToEnqueue, priority?: number): JobsOptions {
    return {
      jobId: item.notificationId,
      priority,
      // the database decides when a cycle ends (UnrecoverableError); this
      // only bounds the job should that decision ever be lost
      attempts: Math.max(1, totalAttempts(this.schedule) - (item.cycleAttempts ?? 0)) + 1,
      backoff: { type: BACKOFF_TYPE },
      delay: item.delayMs && item.delayMs > 0 ? item.delayMs : undefined,
      ...DELIVERY_JOB_RETENTION,
    };
  }

  async enqueue(items: readonly DeliveryToEnqueue[]): Promise<void> {
    if (items.length) await this.adds.submit(items);
  }

  private async addAll(groups: (readonly DeliveryToEnqueue[])[]): Promise<undefined[]> {
    const items = groups.flat();
    // a retry (attempts made in this cycle) queues behind every first attempt; a first attempt gets its flow position
    const flowOf = (item: DeliveryToEnqueue) => item.webhookId ?? SHARED_FLOW;
    const firsts = items.filter((item) => !item.cycleAttempts);
    const parking = this.parking;
    const admissions = await this.flows.admit(firsts.map(flowOf), parking ?? undefined);
    const admissionOf = new Map(firsts.map((item, i) => [item, admissions[i]!]));
    const parked: ParkedAtEnqueue[] = [];
    const jobs = items.map((item) => {
      const first = admissionOf.get(item);
      const data = jobData(item, first === undefined ? undefined : flowOf(item));
      const opts = this.jobOptions(item, first?.priority ?? RETRY_PRIORITY);
      if (parking && first?.parked && !opts.delay) {
        opts.delay = parking.fallbackMs(first.parked);
        parked.push({ jobId: item.notificationId, webhookId: flowOf(item), priority: first.priority, cap: first.parked.cap });
      }
      return { name: DELIVERY_JOB_NAME, data, opts };
    });
    // addBulk wraps its jobs in MULTI/EXEC through an ioredis pipeline, whose construction copies every
    // script method of the connection: for the single job of a quiet moment, add() costs a fraction of that
    if (jobs.length === 1) await this.queue.add(jobs[0].name, jobs[0].data, jobs[0].opts);
    else await this.queue.addBulk(jobs);
    // recorded once they exist: a promotion of a job not yet added would miss it
    if (parked.length) await parking!.parkedAtEnqueue(parked);
    return groups.map(() => undefined);
  }

  /** Replaces whatever job a notification has (e.g. its failed job after expiry) with a fresh one. */
  async replace(items: readonly DeliveryToEnqueue[]): Promise<void> {
    // removed by id: no need to load each job first; a locked (active) job stays and the add below is a no-op
    await Promise.all(items.map((item) => this.queue.remove(item.notificationId).catch(() => 0)));
    await this.enqueue(items);
  }

  /** For each notification id: no job at all, a job in the failed/completed set, or a live (waiting/delayed/active) one. */
  async jobStates(ids: readonly string[]): Promise<Map<string, JobState>> {
    const states = new Map<string, JobState>();
    if (!ids.length) return states;
    const failedKey = this.queue.toKey('failed');
    const completedKey = this.queue.toKey('completed');
    const pipeline = this.connection.pipeline();
    for (const id of ids) {
      pipeline.exists(this.queue.toKey(id));
      pipeline.zscore(failedKey, id);
      pipeline.zscore(completedKey, id);
    }
    const results = (await pipeline.exec()) ?? [];
    ids.forEach((id, i) => {
      const [exists, failed, completed] = [results[3 * i], results[3 * i + 1], results[3 * i + 2]];
      for (const r of [exists, failed, completed]) if (r?.[0]) throw r[0];
      if (exists?.[1] === 0) states.set(id, 'absent');
      else if (failed?.[1] != null || completed?.[1] != null) states.set(id, 'finished');
      else states.set(id, 'live');
    });
    return states;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
