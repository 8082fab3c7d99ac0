/**
 * `hookrelay publish <type>`: publish an event through the API (POST
 * /v1/events), or with --redis-url straight into the deployment's Redis
 * through the producer SDK, as a producer service would.
 */
import { Option, type Command } from 'commander';
import { contextOf, type Context, type Run } from '../context.js';
import { ApiError, OperationError, UnreachableError, UsageError } from '../errors.js';
import { withExamples } from '../help.js';
import { parseDuration, parseTime, readJsonArgument } from '../parse.js';
import { redisReachable } from '../redis-probe.js';

interface PublishOptions {
  resource: string;
  changedFields?: string;
  eventTime?: string;
  idempotencyKey?: string;
  redisUrl?: string;
  queuePrefix: string;
  redisTimeout: number;
}

interface PublishedEvent {
  id: string;
  tenant: string;
  type: string;
  event_time: string;
  duplicate: boolean;
  notification_ids: string[];
}

async function eventFrom(ctx: Context, type: string, opts: PublishOptions) {
  if (opts.resource === '-' && opts.changedFields === '-') throw new UsageError('only one of --resource and --changed-fields can read stdin');
  return {
    type,
    resource: await readJsonArgument(opts.resource, '--resource', ctx.io.stdin),
    ...(opts.changedFields !== undefined ? { changed_fields: await readJsonArgument(opts.changedFields, '--changed-fields', ctx.io.stdin) } : {}),
    ...(opts.eventTime !== undefined ? { event_time: opts.eventTime } : {}),
    ...(opts.idempotencyKey !== undefined ? { idempotency_key: opts.idempotencyKey } : {}),
  };
}

async function publishOverHttp(ctx: Context, event: Record<string, unknown>): Promise<void> {
  const published = await ctx.api().post<PublishedEvent>('/v1/events', event);
  ctx.out.result(published, () => {
    if (published.duplicate) ctx.out.line(`already published with this idempotency key: event ${published.id} (nothing new)`);
    else ctx.out.line(`published event ${published.id} (${published.type}, tenant ${published.tenant}): ${published.notification_ids.length} notification(s)`);
    for (const id of published.notification_ids) ctx.out.line(`  notification ${id}`);
  });
}

/** A producer-side validation error carries the same shape as the API's 400. */
interface FieldErrors {
  name?: string;
  message: string;
  errors?: { field: string; message: string }[];
}

async function publishToRedis(ctx: Context, event: Record<string, unknown>, opts: PublishOptions & { redisUrl: string }): Promise<void> {
  const tenant = ctx.options.tenant ?? 'default';
  // a refused port answers at once here, where the producer would wait out its
  // connect timeout: a quick, clear exit 3
  const probe = await redisReachable(opts.redisUrl, opts.redisTimeout);
  if (probe !== true) throw new UnreachableError(`cannot reach Redis at ${probe.where}: ${probe.reason}`);

  // Loaded here only: the SDK pulls in BullMQ, which other commands do not need.
  const { createProducer, ProducerUnavailableError } = await import('@hookrelay/producer');
  const producer = createProducer({ redisUrl: opts.redisUrl, queuePrefix: opts.queuePrefix, connectTimeoutMs: opts.redisTimeout });
  let id: string;
  try {
    ({ id } = await producer.publish({ tenant, ...(event as { type: string; resource: object }) }));
  } catch (error) {
    const e = error as FieldErrors;
    if (e.name === 'ValidationError') throw new ApiError(400, { title: 'Bad Request', detail: e.message, errors: e.errors });
    if (error instanceof ProducerUnavailableError) throw new UnreachableError(`Redis at ${opts.redisUrl}: ${e.message}`);
    throw new OperationError(`publishing to Redis failed: ${e.message}`);
  } finally {
    await Promise.race([producer.close(), new Promise((r) => setTimeout(r, 2000).unref())]).catch(() => undefined);
  }
  const result = { id, tenant, type: event.type, queue_prefix: opts.queuePrefix };
  ctx.out.result(result, () => ctx.out.line(`queued event ${id} (${String(event.type)}, tenant ${tenant}) in Redis under prefix "${opts.queuePrefix}"`));
}

export function registerPublish(program: Command, run: Run): void {
  withExamples(
    program
      .command('publish')
      .description('publish an event: through the API, or with --redis-url straight into Redis like a producer service')
      .argument('<type>', "the event type, e.g. CARD.CREATED (must be in the tenant's catalog)")
      .requiredOption('-r, --resource <json>', '(required) the resource, a JSON value: inline, @file.json, or - for stdin')
      .option('-c, --changed-fields <json>', 'the fields that changed and their previous values, JSON: inline, @file.json, or -')
      .option('--event-time <time>', 'when it happened (RFC 3339, "now", or a duration ago such as 5m); default: now', (v) => parseTime(v))
      .option('-k, --idempotency-key <key>', 'publishing again with the same key (per tenant) creates nothing new')
      .addOption(
        new Option(
          '--redis-url <url>',
          'publish into this Redis through the producer SDK instead of the API (no API key needed; tenant: --tenant or "default")',
        ),
      )
      .addOption(new Option('--queue-prefix <prefix>', "with --redis-url: the deployment's QUEUE_PREFIX").env('QUEUE_PREFIX').default('hookrelay'))
      .addOption(new Option('--redis-timeout <duration>', 'with --redis-url: how long to wait for Redis').argParser(parseDuration).default(10_000, '10s'))
      .action(async (type: string, opts: PublishOptions, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        const event = await eventFrom(ctx, type, opts);
        if (opts.redisUrl) await publishToRedis(ctx, event, { ...opts, redisUrl: opts.redisUrl });
        else await publishOverHttp(ctx, event);
      }),
    [
      'hookrelay --tenant acme publish CARD.CREATED --resource \'{"id":"card_1","status":"ACTIVE"}\'',
      'hookrelay publish CARD.UPDATED -r @card.json -c \'{"status":"PENDING"}\' --idempotency-key card_1-v7',
      'cat card.json | hookrelay publish CARD.UPDATED -r -',
      'hookrelay --tenant acme publish CARD.CREATED -r \'{"id":1}\' --redis-url redis://127.0.0.1:6379 --queue-prefix hookrelay',
    ],
  );
}
