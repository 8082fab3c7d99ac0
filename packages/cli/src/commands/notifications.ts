/** `hookrelay notifications get|resend|search` and `hookrelay send-expired`. */
import { Option, type Command } from 'commander';
import { seg, type ApiClient } from '../api-client.js';
import { contextOf, type Context, type Run } from '../context.js';
import { OperationError } from '../errors.js';
import { withExamples } from '../help.js';
import { STATUSES, type Notification, type NotificationPage } from '../notification.js';
import { collectList, parsePositiveInt, parseTime } from '../parse.js';

const sinceOption = () => new Option('--since <time>', 'created at or after: RFC 3339, or a duration ago such as 15m, 2h, 7d').argParser((v) => parseTime(v));
const untilOption = () => new Option('--until <time>', 'created at or before: RFC 3339, or a duration ago').argParser((v) => parseTime(v));

function printNotification(ctx: Context, n: Notification): void {
  ctx.out.fields([
    ['id', n.id],
    ['event', n.event_id],
    ['webhook', n.webhook_id],
    ['type', n.type],
    ['status', n.status],
    ['attempts', n.attempt_count],
    ['last status code', n.last_status_code],
    ['next attempt', n.next_attempt_at],
    ['created', n.created],
    ['delivered', n.delivered_at],
    ['expired', n.expired_at],
  ]);
  if (n.attempts.length === 0) return;
  ctx.out.line();
  ctx.out.table(n.attempts, [
    { header: '#', value: (a) => a.attempt_number },
    { header: 'ATTEMPTED AT', value: (a) => a.attempted_at },
    { header: 'TRIGGER', value: (a) => a.trigger },
    { header: 'STATUS', value: (a) => a.status_code },
    { header: 'MS', value: (a) => a.duration_ms },
    { header: 'ERROR', value: (a) => a.error, max: 60 },
  ]);
}

export function printNotificationTable(ctx: Context, rows: readonly Notification[]): void {
  ctx.out.table(rows, [
    { header: 'CREATED', value: (n) => n.created },
    { header: 'ID', value: (n) => n.id },
    { header: 'WEBHOOK', value: (n) => n.webhook_id },
    { header: 'TYPE', value: (n) => n.type },
    { header: 'STATUS', value: (n) => n.status },
    { header: 'ATTEMPTS', value: (n) => n.attempt_count },
    { header: 'LAST', value: (n) => n.last_status_code },
    { header: 'NEXT ATTEMPT', value: (n) => n.next_attempt_at },
  ]);
}

/** Every page of a search, following next_page_token. */
export async function searchAll(api: ApiClient, filter: Record<string, unknown>, signal?: AbortSignal): Promise<Notification[]> {
  const all: Notification[] = [];
  let token = filter.page_token as string | undefined;
  do {
    const body = { ...filter, limit: 100, page_token: token };
    const page = (await api.request<NotificationPage>('POST', '/v1/webhooks:search', { body, signal })).body;
    all.push(...page.notifications);
    token = page.next_page_token ?? undefined;
  } while (token);
  return all;
}

interface SearchOptions {
  notification?: string;
  event?: string;
  webhook?: string;
  status?: string;
  since?: string;
  until?: string;
  limit?: number;
  pageToken?: string;
  all?: boolean;
}

export function registerNotifications(program: Command, run: Run): void {
  const group = program
    .command('notifications')
    .alias('n')
    .description('search notifications (one per event and webhook), show one with its attempts, resend one');

  withExamples(
    group
      .command('search')
      .description('find notifications, oldest first; filters combine')
      .option('--notification <id>', 'a notification id')
      .option('--event <id>', 'an event id (its notifications)')
      .option('-w, --webhook <id>', 'a webhook id')
      .addOption(new Option('-s, --status <status>', 'a status').choices(STATUSES))
      .addOption(sinceOption())
      .addOption(untilOption())
      .option('-l, --limit <n>', 'notifications per page, 1-100 (default 20)', parsePositiveInt(100))
      .option('--page-token <token>', 'continue from a previous page (its next_page_token)')
      .option('-a, --all', 'follow next_page_token and return every page')
      .action(async (opts: SearchOptions, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        const filter = {
          notification_id: opts.notification,
          event_id: opts.event,
          webhook_id: opts.webhook,
          status: opts.status,
          since: opts.since,
          until: opts.until,
          page_token: opts.pageToken,
        };
        const page: NotificationPage = opts.all
          ? { notifications: await searchAll(ctx.api(), filter), next_page_token: null }
          : await ctx.api().post<NotificationPage>('/v1/webhooks:search', { ...filter, ...(opts.limit ? { limit: opts.limit } : {}) });
        ctx.out.result(page, () => {
          if (page.notifications.length === 0) ctx.out.note('no notifications');
          else printNotificationTable(ctx, page.notifications);
          if (page.next_page_token) ctx.out.note(`more: --page-token ${page.next_page_token} (or --all)`);
        });
      }),
    [
      'hookrelay --tenant acme notifications search --status EXPIRED --since 1d --all',
      'hookrelay notifications search --webhook 3f9c… --json | jq ".notifications[] | {id, status}"',
    ],
  );

  withExamples(
    group
      .command('get')
      .description('show one notification with every attempt')
      .argument('<id>', 'notification id (the webhook-id header of its callbacks)')
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        const n = await ctx.api().get<Notification>(`/v1/notifications/${seg(id)}`);
        ctx.out.result(n, () => printNotification(ctx, n));
      }),
    ['hookrelay notifications get b012776c-ab74-4ece-8403-0bbb9130508c'],
  );

  withExamples(
    group
      .command('resend')
      .description('make one delivery attempt now (not while PENDING); exit 1 if it is not answered with a 2xx')
      .argument('<id>', 'notification id')
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        const n = await ctx.api().post<Notification>(`/v1/notifications/${seg(id)}:resend`);
        ctx.out.result(n, () => printNotification(ctx, n));
        const last = n.attempts.at(-1);
        if (!last || last.status_code === null || last.status_code < 200 || last.status_code > 299) {
          throw new OperationError(`the attempt failed: ${last?.status_code ?? 'no response'}${last?.error ? ` (${last.error})` : ''}`);
        }
      }),
    ['hookrelay notifications resend b012776c-ab74-4ece-8403-0bbb9130508c'],
  );

  withExamples(
    program
      .command('send-expired')
      .description('send EXPIRED notifications again: each matching one goes back to PENDING with a fresh retry schedule')
      .option('-w, --webhook <id>', "only this webhook's")
      .option('--notification <id>', 'only these notifications (repeat, or separate with commas)', collectList)
      .addOption(sinceOption())
      .addOption(untilOption())
      .action(async (opts: { webhook?: string; notification?: string[]; since?: string; until?: string }, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        const body = { webhook_id: opts.webhook, notification_ids: opts.notification, since: opts.since, until: opts.until };
        const result = await ctx.api().post<{ requeued: number }>('/v1/webhooks:sendexpired', body);
        ctx.out.result(result, () => ctx.out.line(`requeued ${result.requeued} expired notification(s)`));
      }),
    [
      'hookrelay --tenant acme send-expired                       # every expired notification of the tenant',
      'hookrelay send-expired --webhook 3f9c… --since 2026-01-01T00:00:00Z',
      'hookrelay send-expired --notification b012776c-…,c7e1…',
    ],
  );
}
