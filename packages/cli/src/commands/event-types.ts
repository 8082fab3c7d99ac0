/** `hookrelay event-types list|create`: the catalog events are checked against. */
import type { Command } from 'commander';
import { contextOf, type Run } from '../context.js';
import { withExamples } from '../help.js';

interface EventType {
  name: string;
  description: string | null;
  tenant: string | null;
  builtin: boolean;
}

export function registerEventTypes(program: Command, run: Run): void {
  const group = program.command('event-types').alias('types').description("list the event type catalog; add the tenant's own types");

  withExamples(
    group
      .command('list')
      .alias('ls')
      .description('the built-in types and the tenant\'s own')
      .action(async (_opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        const result = await ctx.api().get<{ event_types: EventType[] }>('/v1/event-types');
        ctx.out.result(result, () =>
          ctx.out.table(result.event_types, [
            { header: 'NAME', value: (t) => t.name },
            { header: 'SOURCE', value: (t) => (t.builtin ? 'built-in' : 'tenant') },
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
      .action(async (name: string, opts: { description?: string }, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        const created = await ctx.api().post<EventType>('/v1/event-types', { name, description: opts.description });
        ctx.out.result(created, () => ctx.out.line(`added event type ${created.name} for tenant ${created.tenant ?? '-'}`));
      }),
    ['hookrelay --tenant acme event-types create INVOICE.PAID --description "an invoice was paid"'],
  );
}
