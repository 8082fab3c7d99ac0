/** `hookrelay event-types list|create|update`: the catalog events are checked against. */
import type { Command } from 'commander';
import { seg, type ApiClient } from '../api-client.js';
import { contextOf, type Context, type Run } from '../context.js';
import { UsageError } from '../errors.js';
import { withExamples } from '../help.js';
import { readJsonObject } from '../parse.js';

interface EventType {
  name: string;
  description: string | null;
  tenant: string | null;
  builtin: boolean;
  schema?: unknown;
}

interface EventTypePage {
  event_types: EventType[];
  next_page_token: string | null;
}

/** Every page of the catalog. */
export async function listAllEventTypes(api: ApiClient): Promise<EventType[]> {
  const all: EventType[] = [];
  let token: string | undefined;
  do {
    const page = await api.get<EventTypePage>('/v1/event-types', { limit: 100, page_token: token });
    all.push(...page.event_types);
    token = page.next_page_token ?? undefined;
  } while (token);
  return all;
}

/** `--schema FILE` (also `@FILE`, `-` for stdin, or inline JSON); `none` (update only) removes it. */
async function readSchema(ctx: Context, value: string): Promise<Record<string, unknown>> {
  const spec = value === '-' || value.startsWith('@') || value.trimStart().startsWith('{') ? value : `@${value}`;
  return readJsonObject(spec, '--schema', ctx.io.stdin);
}

function printType(ctx: Context, t: EventType, verb: string): void {
  ctx.out.line(`${verb} event type ${t.name} for tenant ${t.tenant ?? '-'}${t.schema ? ' (with a schema)' : ''}`);
}

export function registerEventTypes(program: Command, run: Run): void {
  const group = program.command('event-types').alias('types').description("list the event type catalog; add and change the tenant's own types");

  withExamples(
    group
      .command('list')
      .alias('ls')
      .description("the built-in types and the tenant's own (every page)")
      .action(async (_opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        const result = { event_types: await listAllEventTypes(ctx.api()), next_page_token: null };
        ctx.out.result(result, () =>
          ctx.out.table(result.event_types, [
            { header: 'NAME', value: (t) => t.name },
            { header: 'SOURCE', value: (t) => (t.builtin ? 'built-in' : 'tenant') },
            { header: 'SCHEMA', value: (t) => (t.schema ? 'yes' : '-') },
            { header: 'DESCRIPTION', value: (t) => t.description, max: 70 },
          ]),
        );
      }),
    ['hookrelay --tenant acme event-types list'],
  );

  withExamples(
    group
      .command('create')
      .description('add an event type for the tenant (wildcards such as INVOICE.* then match it)')
      .argument('<name>', 'dot-separated, e.g. INVOICE.PAID')
      .option('-d, --description <text>', 'what the event means')
      .option('--schema <file>', "a JSON Schema 2020-12 file every event's resource must satisfy (- for stdin)")
      .action(async (name: string, opts: { description?: string; schema?: string }, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        const body: Record<string, unknown> = { name, description: opts.description };
        if (opts.schema !== undefined) body.schema = await readSchema(ctx, opts.schema);
        const created = await ctx.api().post<EventType>('/v1/event-types', body);
        ctx.out.result(created, () => printType(ctx, created, 'added'));
      }),
    ['hookrelay --tenant acme event-types create INVOICE.PAID --description "an invoice was paid" --schema invoice.schema.json'],
  );

  withExamples(
    group
      .command('update')
      .description("change one of the tenant's own types: description and/or schema (applies to later events)")
      .argument('<name>', 'the type')
      .option('-d, --description <text>', 'what the event means')
      .option('--schema <file>', 'a JSON Schema 2020-12 file (- for stdin); "none" removes the schema')
      .action(async (name: string, opts: { description?: string; schema?: string }, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        const body: Record<string, unknown> = {};
        if (opts.description !== undefined) body.description = opts.description;
        if (opts.schema !== undefined) body.schema = opts.schema === 'none' ? null : await readSchema(ctx, opts.schema);
        if (Object.keys(body).length === 0) throw new UsageError('event-types update: nothing to change; give --description or --schema');
        const updated = await ctx.api().put<EventType>(`/v1/event-types/${seg(name)}`, body);
        ctx.out.result(updated, () => printType(ctx, updated, 'updated'));
      }),
    ['hookrelay event-types update INVOICE.PAID --schema invoice.v2.schema.json', 'hookrelay event-types update INVOICE.PAID --schema none'],
  );
}
