/** `hookrelay webhooks …`: list, get, create, update, delete, ping, secrets. */
import { Option, type Command } from 'commander';
import { seg, type ApiClient } from '../api-client.js';
import { contextOf, type Context, type Run } from '../context.js';
import type { WebhookView } from '@hookrelay/core';
import { OperationError, UsageError } from '../errors.js';
import { withExamples } from '../help.js';
import { collectList, parsePositiveInt, readJsonObject } from '../parse.js';
import { endpointFields, endpointLines, endpointOptions, type EndpointOptions } from '../endpoint-options.js';

/** A webhook as the API answers; `secret` only when it was just created. */
export type Webhook = WebhookView & { secret?: string };

interface WebhookPage {
  webhooks: Webhook[];
  next_page_token: string | null;
}

interface PingResult {
  success: boolean;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
}

interface FieldOptions extends EndpointOptions {
  url?: string;
  event?: string[];
  description?: string;
  metadata?: string;
  rateLimit?: number | 'none';
  filter?: string;
}

function printWebhook(ctx: Context, w: Webhook): void {
  ctx.out.fields([
    ['id', w.id],
    ['tenant', w.tenant],
    ['url', w.url],
    ['events', w.enabled_events.join(', ')],
    ['enabled', w.is_enabled],
    ...(w.disabled_reason ? ([['disabled reason', w.disabled_reason]] as [string, unknown][]) : []),
    ['description', w.description],
    ['metadata', w.metadata],
    ['rate limit', w.rate_limit === null ? 'unlimited' : `${w.rate_limit}/s`],
    ...endpointLines(w),
    ['filter', w.filter === null || w.filter === undefined ? 'none (every event)' : JSON.stringify(w.filter)],
    ['created', w.creation_time],
    ['updated', w.last_updated],
  ]);
}

/** The body fields shared by create and update, from their options. */
async function fieldsFrom(ctx: Context, opts: FieldOptions): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = {};
  if (opts.url !== undefined) body.url = opts.url;
  if (opts.event !== undefined) body.enabled_events = opts.event;
  if (opts.description !== undefined) body.description = opts.description;
  if (opts.metadata !== undefined) body.metadata = await readJsonObject(opts.metadata, '--metadata', ctx.io.stdin);
  if (opts.rateLimit !== undefined) body.rate_limit = opts.rateLimit === 'none' ? null : opts.rateLimit;
  if (opts.filter !== undefined) body.filter = opts.filter === 'none' ? null : await readJsonObject(opts.filter, '--filter', ctx.io.stdin);
  return { ...body, ...endpointFields(opts) };
}

/** `none` stays a string: commander turns a parser's null into ''. */
function parseRateLimit(value: string): number | 'none' {
  return value === 'none' || value === 'unlimited' ? 'none' : parsePositiveInt(100000)(value);
}

/** Every page (from `page_token` on, if given), following next_page_token. */
export async function listAll(api: ApiClient, query: Record<string, string | number | boolean | undefined>): Promise<Webhook[]> {
  const all: Webhook[] = [];
  let token = query.page_token as string | undefined;
  do {
    const page = await api.get<WebhookPage>('/v1/webhooks', { ...query, page_token: token });
    all.push(...page.webhooks);
    token = page.next_page_token ?? undefined;
  } while (token);
  return all;
}

const fieldOptions = (cmd: Command, required: boolean): Command => {
  const url = new Option('-u, --url <url>', 'the endpoint (http or https URL) that receives the callbacks' + (required ? ' (required)' : ''));
  const event = new Option(
    '-e, --event <type>',
    'an event type or wildcard it receives (CARD.*, *); repeat or separate with commas' + (required ? ' (required)' : '; replaces the list'),
  ).argParser(collectList);
  if (required) {
    url.makeOptionMandatory();
    event.makeOptionMandatory();
  }
  return endpointOptions(
    cmd
      .addOption(url)
      .addOption(event)
      .option('-d, --description <text>', 'a description')
      .option('--metadata <json>', 'a JSON object stored with the webhook and sent in each callback: inline, @file.json, or - for stdin')
      .option('--rate-limit <n>', 'at most this many deliveries per second' + (required ? '' : '; "none" removes the limit'), parseRateLimit)
      .option(
        '--filter <json>',
        'only events matching this filter, e.g. \'{"resource.status":{"$in":["paid"]}}\': inline, @file.json, or - for stdin' +
          (required ? '' : '; "none" removes it'),
      ),
    !required,
  );
};

export function registerWebhooks(program: Command, run: Run): void {
  const group = program.command('webhooks').alias('wh').description('list, create, update and delete webhooks; ping them; show and rotate secrets');

  withExamples(
    group
      .command('list')
      .alias('ls')
      .description('list webhooks, oldest first, one page (or every page with --all)')
      .addOption(new Option('--enabled', 'only enabled webhooks').conflicts('disabled'))
      .addOption(new Option('--disabled', 'only disabled webhooks'))
      .option('--event-type <type>', 'only the webhooks that would receive this event type (wildcards included)')
      .option('-l, --limit <n>', 'webhooks per page, 1-100 (default 20)', parsePositiveInt(100))
      .option('--page-token <token>', 'continue from a previous page (its next_page_token)')
      .option('-a, --all', 'follow next_page_token and list every page')
      .action(async (opts: { enabled?: boolean; disabled?: boolean; eventType?: string; limit?: number; pageToken?: string; all?: boolean }, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        const query = {
          limit: opts.limit ?? (opts.all ? 100 : undefined),
          is_enabled: opts.enabled ? true : opts.disabled ? false : undefined,
          event_type: opts.eventType,
          page_token: opts.pageToken,
        };
        const page: WebhookPage = opts.all
          ? { webhooks: await listAll(ctx.api(), query), next_page_token: null }
          : await ctx.api().get<WebhookPage>('/v1/webhooks', query);
        ctx.out.result(page, () => {
          if (page.webhooks.length === 0) ctx.out.note('no webhooks');
          else
            ctx.out.table(page.webhooks, [
              { header: 'ID', value: (w) => w.id },
              { header: 'ENABLED', value: (w) => (w.is_enabled ? 'yes' : 'no') },
              { header: 'EVENTS', value: (w) => w.enabled_events, max: 40 },
              { header: 'URL', value: (w) => w.url, max: 60 },
              { header: 'DESCRIPTION', value: (w) => w.description, max: 40 },
            ]);
          if (page.next_page_token) ctx.out.note(`more: --page-token ${page.next_page_token} (or --all)`);
        });
      }),
    [
      'hookrelay --tenant acme webhooks list',
      'hookrelay webhooks list --enabled --event-type CARD.CREATED --all',
      'hookrelay webhooks list --all --json | jq -r ".webhooks[].id"',
    ],
  );

  withExamples(
    group
      .command('get')
      .description('show one webhook')
      .argument('<id>', 'webhook id')
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        const webhook = await ctx.api().get<Webhook>(`/v1/webhooks/${seg(id)}`);
        ctx.out.result(webhook, () => printWebhook(ctx, webhook));
      }),
    ['hookrelay webhooks get 3f9c…'],
  );

  withExamples(
    fieldOptions(group.command('create').description('create a webhook; its signing secret is shown once'), true)
      .option('--disabled', 'create it disabled (no deliveries until enabled)')
      .action(async (opts: FieldOptions & { disabled?: boolean }, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        const body = { ...(await fieldsFrom(ctx, opts)), is_enabled: !opts.disabled };
        const webhook = await ctx.api().post<Webhook>('/v1/webhooks', body);
        ctx.out.result(webhook, () => {
          printWebhook(ctx, webhook);
          ctx.out.fields([['secret', webhook.secret]]);
          ctx.out.note('Store the secret now to verify signatures; later: hookrelay webhooks secret ' + webhook.id);
        });
      }),
    [
      'hookrelay --tenant acme webhooks create --url https://example.com/hooks -e "CARD.*" -e TRANSACTION.CREATED',
      'hookrelay webhooks create -u https://example.com/hooks -e "*" --description all --metadata \'{"team":"cards"}\' --rate-limit 50',
      'hookrelay webhooks create -u https://example.com/hooks -e "*" --header X-Api-Key=abc --auth-bearer s3cr3t',
    ],
  );

  withExamples(
    fieldOptions(group.command('update').description('change some fields of a webhook (the others stay)').argument('<id>', 'webhook id'), false)
      .addOption(new Option('--enable', 'enable it (also clears disabled_reason)').conflicts('disable'))
      .addOption(new Option('--disable', 'disable it (its pending notifications are cancelled)'))
      .action(async (id: string, opts: FieldOptions & { enable?: boolean; disable?: boolean }, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        const body = await fieldsFrom(ctx, opts);
        if (opts.enable || opts.disable) body.is_enabled = Boolean(opts.enable);
        if (Object.keys(body).length === 0)
          throw new UsageError(
            'webhooks update: nothing to change; give at least one of --url, --event, --enable/--disable, --description, --metadata, --rate-limit, --filter, --header, --auth-*',
          );
        const webhook = await ctx.api().patch<Webhook>(`/v1/webhooks/${seg(id)}`, body);
        ctx.out.result(webhook, () => printWebhook(ctx, webhook));
      }),
    [
      'hookrelay webhooks update 3f9c… --url https://example.com/v2 -e CARD_STATUS_CHANGE',
      'hookrelay webhooks update 3f9c… --enable',
      'hookrelay webhooks update 3f9c… --rate-limit none',
      'hookrelay webhooks update 3f9c… --filter none',
      'hookrelay webhooks update 3f9c… --no-headers --auth-oauth2-token-url https://auth.example.com/token --auth-oauth2-client-id hookrelay --auth-oauth2-client-secret …',
    ],
  );

  withExamples(
    group
      .command('test-filter')
      .description("say whether an event would pass the webhook's filter, and why (exit 1 if it would not)")
      .argument('<id>', 'webhook id')
      .requiredOption('--event <json>', 'the event {type, resource, changed_fields?}: inline, @file.json, or - for stdin')
      .action(async (id: string, opts: { event: string }, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        const event = await readJsonObject(opts.event, '--event', ctx.io.stdin);
        const result = await ctx.api().post<{ matches: boolean; reason: string }>(`/v1/webhooks/${seg(id)}:test-filter`, { event });
        ctx.out.result(result, () => ctx.out.line(`${result.matches ? 'matches' : 'does not match'}: ${result.reason}`));
        if (!result.matches) throw new OperationError(`the event does not match: ${result.reason}`);
      }),
    ['hookrelay webhooks test-filter 3f9c… --event \'{"type":"CARD.CREATED","resource":{"status":"paid"}}\''],
  );

  withExamples(
    group
      .command('delete')
      .alias('rm')
      .description('delete a webhook; its pending notifications are cancelled')
      .argument('<id>', 'webhook id')
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        await ctx.api().delete(`/v1/webhooks/${seg(id)}`);
        ctx.out.result({ id, deleted: true }, () => ctx.out.line(`deleted webhook ${id}`));
      }),
    ['hookrelay webhooks delete 3f9c…'],
  );

  withExamples(
    group
      .command('ping')
      .description('send one signed WEBHOOK.PING callback now and report the outcome (exit 1 if it failed)')
      .argument('<id>', 'webhook id')
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        const result = await ctx.api().post<PingResult>(`/v1/webhooks/${seg(id)}:ping`);
        const outcome = `${result.status_code ?? 'no response'} in ${result.duration_ms} ms${result.error ? ` (${result.error})` : ''}`;
        ctx.out.result(result, () => ctx.out.line(`ping ${result.success ? 'ok' : 'failed'}: ${outcome}`));
        if (!result.success) throw new OperationError(`ping failed: ${outcome}`);
      }),
    ['hookrelay webhooks ping 3f9c… && echo reachable'],
  );

  withExamples(
    group
      .command('secret')
      .description("show a webhook's current signing secret")
      .argument('<id>', 'webhook id')
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        const result = await ctx.api().get<{ secret: string }>(`/v1/webhooks/${seg(id)}/secret`);
        ctx.out.result(result, () => ctx.out.line(result.secret));
      }),
    ['export WEBHOOK_SECRET=$(hookrelay webhooks secret 3f9c…)'],
  );

  withExamples(
    group
      .command('rotate-secret')
      .description('replace the signing secret; for 24 h callbacks are signed with the old and the new one')
      .argument('<id>', 'webhook id')
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        const result = await ctx.api().post<{ secret: string }>(`/v1/webhooks/${seg(id)}/secret:rotate`);
        ctx.out.result(result, () => ctx.out.line(result.secret));
      }),
    ['hookrelay webhooks rotate-secret 3f9c…'],
  );
}
