/**
 * The API process: wiring only (see startApiRuntime). SIGTERM/SIGINT stop
 * accepting connections, let in-flight requests finish, close, exit 0.
 */
import { ConfigError, createLogger, loadConfig, type Config } from '@hookrelay/core';
import { startApiRuntime } from '@hookrelay/http';

function readConfig(): Config {
  try {
    return loadConfig(process.env, { requireAdminKey: true });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

const config = readConfig();
const logger = createLogger({ level: config.logLevel, name: 'api' });
const runtime = await startApiRuntime(config, logger);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'api stopping');
  await runtime.stop();
  logger.info('api stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
