export * from './producer.js';
export { ConfigError, ValidationError } from '@hookrelay/core/producer';
