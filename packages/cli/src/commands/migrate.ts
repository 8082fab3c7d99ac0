/**
 * `hookrelay migrate`: applies the repository's Prisma migrations
 * (`prisma migrate deploy`, with the offline schema engine) through
 * prisma/migrate.mjs. The CLI runs from this repository, so the script is
 * found by walking up from the package; the database is created if missing.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Option, type Command } from 'commander';
import { contextOf, type Run } from '../context.js';
import { OperationError, UnreachableError, UsageError } from '../errors.js';
import { withExamples } from '../help.js';

const MIGRATE_SCRIPT = path.join('prisma', 'migrate.mjs');
/** Prisma's "could not reach / timed out / connection closed" error codes. */
const UNREACHABLE = /\bP10(01|02|17)\b/;

type MigrateFn = (databaseUrl: string) => Promise<string>;

export function findMigrateScript(from = path.dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, MIGRATE_SCRIPT);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

/** The URL without its password, fit to print. */
export function redact(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export function registerMigrate(program: Command, run: Run): void {
  withExamples(
    program
      .command('migrate')
      .description('apply the database migrations (prisma migrate deploy); creates the database if it does not exist')
      .addOption(new Option('--database-url <url>', 'the PostgreSQL database').env('DATABASE_URL').default('postgresql://postgres@127.0.0.1:5432/hookrelay'))
      .action(async (opts: { databaseUrl: string }, cmd: Command) => {
        const ctx = contextOf(cmd, run);
        if (!/^postgres(ql)?:\/\//.test(opts.databaseUrl)) throw new UsageError('--database-url must be a postgresql:// URL');
        const script = findMigrateScript();
        if (!script) {
          throw new OperationError(
            `cannot find ${MIGRATE_SCRIPT} above ${fileURLToPath(import.meta.url)}: migrate runs from a Hookrelay checkout (pnpm hookrelay migrate), or use pnpm db:migrate there`,
          );
        }
        const { migrateDatabase } = (await import(pathToFileURL(script).href)) as { migrateDatabase: MigrateFn };
        const database = redact(opts.databaseUrl);
        ctx.out.note(`migrating ${database}…`);
        let output: string;
        try {
          output = await migrateDatabase(opts.databaseUrl);
        } catch (error) {
          const message = (error as Error).message;
          if (UNREACHABLE.test(message))
            throw new UnreachableError(
              `cannot reach the database ${database}: ${message
                .trim()
                .split('\n')
                .at(-1)
                ?.replace(/^Error: /, '')}`,
            );
          throw new OperationError(`migrations failed for ${database}:\n${message}`);
        }
        ctx.out.result({ database, migrated: true, output }, () => {
          ctx.out.line(output);
          ctx.out.line(`database ${database} is up to date`);
        });
      }),
    [
      'hookrelay migrate                                   # DATABASE_URL or the local default',
      'hookrelay migrate --database-url postgresql://postgres@db:5432/hookrelay',
    ],
  );
}
