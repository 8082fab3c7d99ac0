/** Help texts shared by the commands: examples, exit codes, environment. */
import type { Command } from 'commander';

/** Adds an "Examples:" block after the command's help. */
export function withExamples(command: Command, examples: readonly string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
}

export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  the API or the operation answered with an error (4xx/5xx, a failed ping,
     a tail that timed out before its goal, migrations that failed)
  2  usage error: unknown command or option, missing or invalid value,
     invalid JSON argument, no API key
  3  cannot reach the API, Redis or the database`;

export const ENVIRONMENT_HELP = `
Environment:
  HOOKRELAY_API_URL   the API's base URL (default http://127.0.0.1:3000)
  HOOKRELAY_API_KEY   the bearer key: ADMIN_API_KEY of the deployment or a tenant key
  HOOKRELAY_TENANT    the tenant an admin key acts for (default tenant: "default")
  DATABASE_URL        for migrate
  QUEUE_PREFIX        for publish --redis-url (default "hookrelay")`;
