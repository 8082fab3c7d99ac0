/**
 * `@hookrelay/core/producer`: what the producer SDK needs (event schema and
 * size, job catalog, Redis connection, producer spans) without the server's
 * config, logger (pino), secret box, filters or tracing SDK, so that an
 * application importing the SDK loads only joi and the OpenTelemetry API
 * besides BullMQ.
 */
export * from './errors.js';
export * from './ids.js';
export * from './event-size.js';
export * from './jobs.js';
export * from './redis-connection.js';
export * from './redis-settings.js';
export { producerEventSchema } from './schemas.js';
export * from './tracing.js';
export * from './validate.js';
