/**
 * @hookrelay/producer: publish events straight into Hookrelay's Redis, with
 * no HTTP hop. The event is validated with the same schema as the API, given
 * an id, and added to the `events` queue with that id as its job id; a
 * worker turns it into notifications.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  EVENT_JOB_NAME,
  EVENT_JOB_RETENTION,
  producerEventSchema,
  QUEUES,
  validate,
  type EventJobData,
} from '@hookrelay/core';

export interface ProducerOptions {
  /** defaults to redis://127.0.0.1:6379 */
  redisUrl?: string;
  /** an existing ioredis connection to share instead of `redisUrl` */
  connection?: Redis;
  /** must equal the QUEUE_PREFIX of the Hookrelay deployment; defaults to "hookrelay" */
  queuePrefix?: string;
}

/** An event as the producer takes it: the queue's job data without `id`, which the SDK assigns. */
export type PublishInput = Omit<EventJobData, 'id'>;

export interface Producer {
  /** Validates and enqueues one event; resolves with its id once Redis has it. */
  publish(event: PublishInput): Promise<{ id: string }>;
  /** Enqueues many events in one round trip. */
  publishBatch(events: readonly PublishInput[]): Promise<{ id: string }[]>;
  close(): Promise<void>;
}

function toJob(event: PublishInput) {
  const data = validate<EventJobData>(producerEventSchema, event, 'event');
  const id = randomUUID();
  return { name: EVENT_JOB_NAME, data: { ...data, id }, opts: { jobId: id, ...EVENT_JOB_RETENTION } };
}

export function createProducer(options: ProducerOptions = {}): Producer {
  const ownsConnection = !options.connection;
  const connection = options.connection ?? new Redis(options.redisUrl ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
  const queue = new Queue<EventJobData, unknown, string>(QUEUES.events, { connection, prefix: options.queuePrefix ?? 'hookrelay' });

  return {
    async publish(event) {
      const job = toJob(event);
      await queue.add(job.name, job.data, job.opts);
      return { id: job.data.id };
    },
    async publishBatch(events) {
      const jobs = events.map(toJob);
      await queue.addBulk(jobs);
      return jobs.map((j) => ({ id: j.data.id }));
    },
    async close() {
      await queue.close();
      if (ownsConnection) await connection.quit().catch(() => connection.disconnect());
    },
  };
}
