/**
 * `hookrelay tail`: follow notifications as they change by polling
 * `:search` with `updated_since`. Each poll reads only the notifications
 * changed since the previous one (from a few seconds before the greatest
 * `updated_at` seen, since a change is stamped when its transaction starts
 * and may commit a moment later) and prints those whose status, attempt
 * count or last status code changed.
 */
import { matchesEventType } from '@hookrelay/core/light';
import { Option, type Command } from 'commander';
import type { ApiClient } from '../api-client.js';
import { ChangeTracker, type Change } from '../change-tracker.js';
import { contextOf, type Context, type Run } from '../context.js';
import { OperationError, UnreachableError } from '../errors.js';
import { withExamples } from '../help.js';
import { lastChange, STATUSES, type Notification } from '../notification.js';
import { parseDuration, parsePositiveInt, parseTime } from '../parse.js';
import { searchAll } from './notifications.js';

interface TailOptions {
  webhook?: string;
  event?: string;
  status?: string;
  type?: string;
  since?: string;
  interval: number;
  count?: number;
  untilSettled?: boolean;
  timeout?: number;
}

function formatChange({ notification: n }: Change): string {
  const next = n.status === 'PENDING' && n.next_attempt_at ? `  next=${n.next_attempt_at}` : '';
  return (
    [lastChange(n), n.id, `webhook=${n.webhook_id}`, n.type, n.status.padEnd(9), `attempts=${n.attempt_count}`, `last=${n.last_status_code ?? '-'}`].join(
      '  ',
    ) + next
  );
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Aborts on SIGINT/SIGTERM while `fn` runs: Ctrl-C ends a tail normally (exit 0). */
async function untilSignal<T>(run: Run, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (run.signal) return fn(run.signal);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** The API's clock (its Date header), so that a default --since does not depend on this machine's clock. */
async function serverNow(api: ApiClient): Promise<string> {
  const { date } = await api.request('GET', '/healthz', { auth: false });
  return (date && !Number.isNaN(date.getTime()) ? date : new Date()).toISOString();
}

function typeFilter(pattern: string | undefined): (n: Notification) => boolean {
  if (!pattern) return () => true;
  return (n) => matchesEventType(pattern, n.type);
}

/** How far before the latest `updated_at` seen the next poll starts: covers transactions that commit after they stamped. */
const OVERLAP_MS = 5000;

/** The next poll's updated_since: a little before the latest change seen, never earlier than the current one. */
export function nextWatermark(current: string, batch: readonly Notification[]): string {
  let latest = Date.parse(current);
  for (const n of batch) {
    const at = n.updated_at ? Date.parse(n.updated_at) - OVERLAP_MS : NaN;
    if (at > latest) latest = at;
  }
  return new Date(latest).toISOString();
}

async function tail(ctx: Context, opts: TailOptions, signal: AbortSignal): Promise<void> {
  const api = ctx.api();
  const since = opts.since ?? (await serverNow(api));
  let watermark = since;
  const filter = { webhook_id: opts.webhook, event_id: opts.event, status: opts.status };
  const wanted = typeFilter(opts.type);
  const tracker = new ChangeTracker();
  const deadline = opts.timeout ? Date.now() + opts.timeout : Infinity;
  let printed = 0;
  let polled = false;

  ctx.out.note(`following notifications${api.tenant ? ` of tenant ${api.tenant}` : ''} changed since ${since} (Ctrl-C to stop)`);
  while (!signal.aborted) {
    let batch: Notification[] | undefined;
    try {
      batch = await searchAll(api, { ...filter, updated_since: watermark }, signal);
      watermark = nextWatermark(watermark, batch);
      polled = true;
    } catch (error) {
      if (signal.aborted) return;
      // Once following, a blip of the API is reported and retried; an API that
      // never answered, or any 4xx/5xx (a revoked key, say), ends the tail.
      if (!(error instanceof UnreachableError) || !polled) throw error;
      ctx.out.warn(`${error.message}; retrying`);
    }
    for (const change of tracker.changes((batch ?? []).filter(wanted))) {
      if (ctx.out.json) ctx.out.ndjson(change.notification);
      else ctx.out.line(formatChange(change));
      printed += 1;
      if (opts.count && printed >= opts.count) return;
    }
    if (opts.untilSettled && tracker.settled) return;
    if (Date.now() >= deadline) {
      if (opts.count || opts.untilSettled) {
        const goal = opts.count ? `${opts.count} change(s) (saw ${printed})` : `every notification to settle (${tracker.seen} seen)`;
        throw new OperationError(`tail timed out after ${opts.timeout} ms waiting for ${goal}`);
      }
      return;
    }
    await sleep(Math.min(opts.interval, deadline - Date.now()), signal);
  }
}

export function registerTail(program: Command, run: Run): void {
  withExamples(
    program
      .command('tail')
      .description('follow notifications as they change (new, status changes, new attempts): one line each, or NDJSON with --json; runs until Ctrl-C')
      .option('-w, --webhook <id>', "only this webhook's notifications")
      .option('--event <id>', "only this event's notifications")
      .addOption(new Option('-s, --status <status>', 'only notifications in this status').choices(STATUSES))
      .option('-t, --type <type>', 'only this event type or wildcard (CARD.*)')
      .option(
        '--since <time>',
        'also show notifications changed (created, attempted, status) since then: RFC 3339 or a duration ago such as 10m (default: now)',
        (v) => parseTime(v),
      )
      .addOption(new Option('-i, --interval <duration>', 'time between polls (500, 500ms, 2s)').argParser(parseDuration).default(1000, '1s'))
      .option('-n, --count <n>', 'stop after printing this many changes', parsePositiveInt())
      .option('--until-settled', 'stop once notifications were seen and none is PENDING any more (all SUCCEEDED, EXPIRED or CANCELLED)')
      .option('--timeout <duration>', 'stop after this long (30s, 5m); exit 1 if --count or --until-settled was not reached by then', parseDuration)
      .addHelpText(
        'after',
        '\nEach line: time of the change, notification id, webhook, event type, status, attempt count, last status code' +
          '\n(and the next attempt time while PENDING). Progress notes go to stderr. Ends with exit 0 on Ctrl-C/SIGTERM.\n',
      )
      .action(async (opts: TailOptions, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        await untilSignal(run, (signal) => tail(ctx, opts, signal));
      }),
    [
      'hookrelay --tenant acme tail',
      'hookrelay tail --webhook 3f9c… --since 1h --type "CARD.*"',
      "hookrelay tail --event 5b1e… --until-settled --timeout 2m     # wait for one event's deliveries in a script",
      'hookrelay tail --json | jq -c "select(.status == \\"EXPIRED\\")"',
    ],
  );
}
