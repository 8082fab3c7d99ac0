/**
 * @hookrelay/producer: publish events straight into Hookrelay's Redis, with
 * no HTTP hop. The event is validated with the same schema as the API, given
 * an id, and added to the `events` queue with that id as its job id; a
 * worker turns it into notifications. publish() calls made in the same turn
 * of the event loop (a producer publishing concurrently) are sent together,
 * in one round trip, as one `event-batch` job, as publishBatch sends them.
 */
import { randomUUID } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import { Cluster, type Redis } from 'ioredis';
import {
  assertEventSize,
  DEFAULT_MAX_EVENT_BYTES,
  EVENT_BATCH_JOB_NAME,
  EVENT_JOB_NAME,
  EVENT_JOB_RETENTION,
  producerEventSchema,
  QUEUES,
  SPAN_ATTRIBUTES,
  SPANS,
  validate,
  withProducerSpan,
  type EventBatchJobData,
  type EventJobData,
  type RedisNode,
  uuidv7,
} from '@hookrelay/core/producer';
import { assertPrefixFits, connect, redisSettingsOf, whenReady } from './connection.js';

export { ProducerUnavailableError } from './connection.js';
export { DEFAULT_MAX_EVENT_BYTES, EventTooLargeError } from '@hookrelay/core/producer';

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
  /**
   * How long publish/publishBatch wait for Redis when it is not connected
   * (default 10,000 ms). Past it they reject with ProducerUnavailableError and
   * nothing was sent, so publishing again is safe.
   */
  connectTimeoutMs?: number;
  /**
   * The largest event (the UTF-8 length of its JSON, `tenant` included) that
   * publish/publishBatch send; a larger one makes them throw
   * EventTooLargeError before anything is sent (publishBatch sends none of
   * its events). Default 262,144, the API's MAX_EVENT_BYTES default: keep the
   * two equal.
   */
  maxEventBytes?: number;
}

/** An event as the producer takes it: the queue's job data without `id` (assigned by the SDK) and `traceparent` (taken from the active span). */
export type PublishInput = Omit<EventJobData, 'id' | 'traceparent'>;

export interface Producer {
  /**
   * Validates and enqueues one event; resolves with its id once Redis has it.
   * Alone it is a job of its own (job id = event id); with other publish()
   * calls of the same turn of the event loop it goes in their `event-batch`
   * job, sent in one round trip without waiting for any timer.
   */
  publish(event: PublishInput): Promise<{ id: string }>;
  /**
   * Validates and enqueues many events in one round trip, up to
   * EVENTS_PER_BATCH_JOB per job: the worker ingests each as if published on
   * its own (own id, own checks), but Redis stores and hands out one job per
   * batch (a lone event is an event job of its own). Resolves with the ids in
   * order once Redis has them all.
   */
  publishBatch(events: readonly PublishInput[]): Promise<{ id: string }[]>;
  close(): Promise<void>;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Events per `event-batch` job sent by publishBatch. */
export const EVENTS_PER_BATCH_JOB = 500;

function toEvent(event: PublishInput, maxEventBytes: number): EventJobData {
  assertEventSize(event, maxEventBytes);
  return { ...validate<Omit<EventJobData, 'id'>>(producerEventSchema, event, 'event'), id: uuidv7() };
}

type EventsJob = { name: string; data: EventJobData | EventBatchJobData; opts: JobsOptions };

/** One job for a lone event (its id the job id), else `event-batch` jobs of up to EVENTS_PER_BATCH_JOB events. */
function jobsFor(events: EventJobData[]): EventsJob[] {
  if (events.length === 1) return [{ name: EVENT_JOB_NAME, data: events[0]!, opts: { jobId: events[0]!.id, ...EVENT_JOB_RETENTION } }];
  const jobs: EventsJob[] = [];
  for (let i = 0; i < events.length; i += EVENTS_PER_BATCH_JOB) {
    const data: EventBatchJobData = { events: events.slice(i, i + EVENTS_PER_BATCH_JOB) };
    jobs.push({ name: EVENT_BATCH_JOB_NAME, data, opts: { jobId: randomUUID(), ...EVENT_JOB_RETENTION } });
  }
  return jobs;
}

interface Waiting {
  event: EventJobData;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export function createProducer(options: ProducerOptions = {}): Producer {
  const prefix = options.queuePrefix ?? 'hookrelay';
  const maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
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
  const queue = new Queue<EventJobData | EventBatchJobData, unknown, string>(QUEUES.events, { connection, prefix });
  // BullMQ waits for a connection forever; the producer answers within connectTimeoutMs
  const connected = () => whenReady(connection, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);

  const send = async (events: EventJobData[]) => {
    const jobs = jobsFor(events);
    if (jobs.length === 1) await queue.add(jobs[0]!.name, jobs[0]!.data, jobs[0]!.opts);
    else await queue.addBulk(jobs);
  };

  // publish() calls of this turn of the event loop, sent together once it ends
  let waiting: Waiting[] = [];
  const flush = () => {
    const batch = waiting;
    waiting = [];
    send(batch.map((w) => w.event)).then(
      () => {
        for (const w of batch) w.resolve();
      },
      (error: unknown) => {
        for (const w of batch) w.reject(error);
      },
    );
  };
  const enqueue = (event: EventJobData) =>
    new Promise<void>((resolve, reject) => {
      if (waiting.push({ event, resolve, reject }) === 1) setImmediate(flush);
    });

  return {
    async publish(input) {
      const event = toEvent(input, maxEventBytes);
      // with OpenTelemetry in the application: a PRODUCER span, whose traceparent the worker's fan-out continues
      return withProducerSpan(
        SPANS.publish,
        { [SPAN_ATTRIBUTES.tenant]: event.tenant, [SPAN_ATTRIBUTES.eventType]: event.type, [SPAN_ATTRIBUTES.eventId]: event.id },
        async (traceparent) => {
          if (traceparent) event.traceparent = traceparent;
          await connected();
          await enqueue(event);
          return { id: event.id };
        },
      );
    },
    async publishBatch(events) {
      const all = events.map((event) => toEvent(event, maxEventBytes));
      if (all.length) {
        // one PRODUCER span for the call: each event carries its traceparent, so the batch's events share its trace
        await withProducerSpan(SPANS.publishBatch, { [SPAN_ATTRIBUTES.eventCount]: all.length }, async (traceparent) => {
          if (traceparent) for (const e of all) e.traceparent = traceparent;
          await connected();
          await send(all);
        });
      }
      return all.map((e) => ({ id: e.id }));
    },
    async close() {
      await queue.close();
      if (ownsConnection) await connection.quit().catch(() => connection.disconnect());
    },
  };
}
