/**
 * `@hookrelay/core/light`: the domain vocabulary without joi or pino, for
 * the CLI and other short-lived processes where loading the validation and
 * logging stack (~300 ms) would dominate a command's run time.
 */
export * from './notification-status.js';
export * from './jobs.js';
export * from './event-types.js';
export * from './redis-settings.js';
export * from './retry-schedule.js';
