/**
 * The API process: wiring only (see startApiRuntime). SIGTERM/SIGINT stop
 * accepting connections, let in-flight requests finish (up to 10 s), close,
 * exit 0 (exit 1 if closing takes longer than 20 s).
 */
import { createLogger, loadConfigOrExit, startTracing } from '@hookrelay/core';
import { startApiRuntime } from '@hookrelay/api';

const config = loadConfigOrExit(process.env, { requireAdminKey: true });
const logger = createLogger({ level: config.logLevel, name: 'api' });
// OpenTelemetry only when an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT); otherwise nothing is loaded
const tracing = startTracing(config.tracing, 'hookrelay-api', logger);
const starting = tracing.then(() => startApiRuntime(config, logger));

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'api stopping');
  setTimeout(() => {
    logger.error('shutdown timed out');
    process.exit(1);
  }, 20_000).unref();
  const runtime = await starting;
  await runtime.stop();
  await (await tracing).shutdown();
  logger.info('api stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
await starting;
