/**
 * Events in: validation against the catalog and JSON Schemas, the event and
 * its notifications written in one transaction, then enqueued. Used by the
 * API (single and batch) and the worker (events queued by the SDK).
 */
export * from './event-batch-ingest.js';
export * from './event-catalog.js';
export * from './event-ingest-service.js';
export * from './event-schema-validator.js';
export * from './publish-tracing.js';
