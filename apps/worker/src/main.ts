/**
 * The worker process: wiring only (see startWorkerRuntime). Stateless: run
 * as many replicas as you like against the same Postgres, Redis and
 * QUEUE_PREFIX. SIGTERM/SIGINT finish in-flight deliveries, then exit 0
 * (exit 1 if that takes longer than DELIVERY_TIMEOUT_MS + 15 s: the jobs
 * still active are then picked up by another worker once their lock lapses).
 */
import { createLogger, loadConfigOrExit, startTracing } from '@hookrelay/core';
import { startWorkerRuntime } from '@hookrelay/worker';

const config = loadConfigOrExit(process.env);
const logger = createLogger({ level: config.logLevel, name: 'worker' });
// OpenTelemetry only when an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT); otherwise nothing is loaded
const tracing = startTracing(config.tracing, 'hookrelay-worker', logger);

let stopping = false;
// handlers first: a signal during start-up still gets a clean stop once the runtime is up
const starting = tracing.then(() => startWorkerRuntime(config, logger));
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'worker stopping: finishing in-flight deliveries');
  // bounded: an attempt never outlives the delivery timeout
  setTimeout(() => {
    logger.error('shutdown timed out; active jobs will be retried by another worker');
    process.exit(1);
  }, config.delivery.timeoutMs + 15_000).unref();
  const runtime = await starting;
  await runtime.stop();
  // the spans of the last deliveries are exported before exit
  await (await tracing).shutdown();
  logger.info('worker stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
await starting;
