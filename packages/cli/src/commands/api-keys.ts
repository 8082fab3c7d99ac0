/** `hookrelay api-keys list|create|revoke`: tenant API keys. */
import type { Command } from 'commander';
import { seg } from '../api-client.js';
import { contextOf, type Run } from '../context.js';
import { UsageError } from '../errors.js';
import { withExamples } from '../help.js';

interface CreatedKey {
  id: string;
  tenant: string;
  name: string | null;
  key: string;
  created_at: string;
}

interface ListedKey {
  id: string;
  tenant: string;
  name: string | null;
  created_at: string;
  revoked_at: string | null;
}

export function registerApiKeys(program: Command, run: Run): void {
  const group = program.command('api-keys').alias('keys').description('list, create and revoke tenant API keys');

  withExamples(
    group
      .command('list')
      .alias('ls')
      .description("list the tenant's API keys, oldest first (ids, names, dates; never the keys)")
      .option('--revoked', 'include revoked keys')
      .action(async (opts: { revoked?: boolean }, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        const list = await ctx.api().get<{ api_keys: ListedKey[] }>('/v1/api-keys', { include_revoked: opts.revoked ? true : undefined });
        ctx.out.result(list, () => {
          if (list.api_keys.length === 0) ctx.out.note('no API keys');
          else
            ctx.out.table(list.api_keys, [
              { header: 'ID', value: (k) => k.id },
              { header: 'NAME', value: (k) => k.name, max: 40 },
              { header: 'CREATED', value: (k) => k.created_at },
              { header: 'REVOKED', value: (k) => k.revoked_at },
            ]);
        });
      }),
    ['hookrelay --tenant acme api-keys list', 'hookrelay api-keys list --revoked --json | jq -r ".api_keys[].id"'],
  );

  withExamples(
    group
      .command('create')
      .description('create an API key for the tenant named by --tenant (needs the admin key); the key is shown once')
      .option('-n, --name <name>', 'a label for the key, e.g. the service that uses it')
      .action(async (opts: { name?: string }, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        const tenant = ctx.options.tenant;
        if (!tenant) throw new UsageError('api-keys create needs --tenant <tenant> (or HOOKRELAY_TENANT): the tenant the key belongs to');
        const created = await ctx.api().post<CreatedKey>('/v1/api-keys', { tenant, ...(opts.name ? { name: opts.name } : {}) });
        ctx.out.result(created, () => {
          ctx.out.fields([
            ['id', created.id],
            ['tenant', created.tenant],
            ['name', created.name],
            ['created', created.created_at],
            ['key', created.key],
          ]);
          ctx.out.note('The key is shown only this once: store it now. Revoke it with: hookrelay api-keys revoke ' + created.id);
        });
      }),
    ['hookrelay --api-key "$ADMIN_API_KEY" api-keys create --tenant acme --name backend', 'hookrelay api-keys create --tenant acme --json | jq -r .key'],
  );

  withExamples(
    group
      .command('revoke')
      .description('revoke an API key by its id; requests with it are then refused (401)')
      .argument('<id>', 'the key id (not the key itself), as printed by api-keys create')
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        await ctx.api().delete(`/v1/api-keys/${seg(id)}`);
        ctx.out.result({ id, revoked: true }, () => ctx.out.line(`revoked API key ${id}`));
      }),
    ['hookrelay api-keys revoke 0b7c…', 'hookrelay --tenant acme api-keys revoke 0b7c…   # admin key, a key of tenant acme'],
  );
}
