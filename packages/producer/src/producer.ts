/**
 * @hookrelay/producer: publish events straight into Hookrelay's Redis, with
 * no HTTP hop. The event is validated with the same schema as the API, given
 * an id, and added to the `events` queue with that id as its job id; a
 * worker turns it into notifications.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Cluster, type Redis } from 'ioredis';
import {
  EVENT_JOB_NAME,
  EVENT_JOB_RETENTION,
  producerEventSchema,
  QUEUES,
  validate,
  type EventJobData,
  type RedisNode,
} from '@hookrelay/core';
import { assertPrefixFits, connect, redisSettingsOf } from './connection.js';

export interface ProducerOptions {
  /**
   * `redis://` or `rediss://` for one server; `redis+cluster://[user:pass@]host:port[,host:port...]`
   * (`rediss+cluster://` for TLS) for a Redis Cluster. Defaults to redis://127.0.0.1:6379.
   */
  redisUrl?: string;
  /** a Redis Cluster's seed nodes ("host:port" or {host, port}), instead of `redisUrl` */
  clusterNodes?: readonly (string | RedisNode)[];
  /** an existing ioredis connection (Redis or Cluster) to share instead of `redisUrl` / `clusterNodes` */
  connection?: Redis | Cluster;
  /**
   * must equal the QUEUE_PREFIX of the Hookrelay deployment; defaults to "hookrelay".
   * On a cluster it must contain a hash tag, e.g. "{hookrelay}" (otherwise createProducer throws).
   */
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
  const prefix = options.queuePrefix ?? 'hookrelay';
  const ownsConnection = !options.connection;
  let connection: Redis | Cluster;
  if (options.connection) {
    assertPrefixFits(options.connection instanceof Cluster, prefix);
    connection = options.connection;
  } else {
    const settings = redisSettingsOf(options);
    assertPrefixFits(settings.kind === 'cluster', prefix);
    connection = connect(settings);
  }
  const queue = new Queue<EventJobData, unknown, string>(QUEUES.events, { connection, prefix });

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
