/** The `hookrelay` command tree: global options, command groups, help. */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { Run } from './context.js';
import { ENVIRONMENT_HELP, EXIT_CODES_HELP } from './help.js';
import { parseDuration } from './parse.js';
import { registerApiKeys } from './commands/api-keys.js';
import { registerEventTypes } from './commands/event-types.js';
import { registerMigrate } from './commands/migrate.js';
import { registerNotifications } from './commands/notifications.js';
import { registerPublish } from './commands/publish.js';
import { registerTail } from './commands/tail.js';
import { registerWebhooks } from './commands/webhooks.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const OVERVIEW_EXAMPLES = `
Examples:
  $ export HOOKRELAY_API_URL=http://127.0.0.1:3000 HOOKRELAY_API_KEY=$ADMIN_API_KEY
  $ hookrelay api-keys create --tenant acme --name backend
  $ hookrelay --tenant acme webhooks create --url https://example.com/hooks -e "CARD.*"
  $ hookrelay --tenant acme publish CARD.CREATED --resource '{"id":"card_1"}'
  $ hookrelay --tenant acme tail
  $ hookrelay --tenant acme send-expired --since 1d
  $ hookrelay migrate --database-url postgresql://postgres@127.0.0.1:5432/hookrelay

Run "hookrelay <command> --help" (or "hookrelay <command> <subcommand> --help") for a command's options and examples.`;

export function buildProgram(run: Run): Command {
  const program = new Command('hookrelay')
    .description('Command line for a Hookrelay deployment: API keys, webhooks, events, notifications, migrations.')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    // Settings made before .command() are inherited by every subcommand.
    .exitOverride()
    .configureOutput({ writeOut: (s) => run.io.stdout.write(s), writeErr: (s) => run.io.stderr.write(s) })
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError('(add --help for usage)')
    .optionsGroup('Global options:')
    .addOption(new Option('--api-url <url>', 'base URL of the Hookrelay API').env('HOOKRELAY_API_URL').default('http://127.0.0.1:3000'))
    .addOption(new Option('--api-key <key>', "API key: the deployment's ADMIN_API_KEY or a tenant key").env('HOOKRELAY_API_KEY'))
    .addOption(new Option('--tenant <tenant>', 'with the admin key: the tenant to act for (default tenant "default")').env('HOOKRELAY_TENANT'))
    .addOption(new Option('--json', 'print the raw JSON result (NDJSON for tail) instead of text'))
    .addOption(new Option('--request-timeout <duration>', 'give up on an API request after this long').argParser(parseDuration).default(30_000, '30s'));

  program.commandsGroup('Management:');
  registerApiKeys(program, run);
  registerWebhooks(program, run);
  registerEventTypes(program, run);
  program.commandsGroup('Events and deliveries:');
  registerPublish(program, run);
  registerTail(program, run);
  registerNotifications(program, run);
  program.commandsGroup('Operations:');
  registerMigrate(program, run);
  // Declared last so that it is listed under Operations (subcommands keep commander's default).
  program.helpCommand('help [command]', 'show help for a command');

  program.addHelpText('after', `${OVERVIEW_EXAMPLES}\n${ENVIRONMENT_HELP}\n${EXIT_CODES_HELP}\n`);
  return program;
}
