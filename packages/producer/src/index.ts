export * from './producer.js';
export { ValidationError } from '@hookrelay/core';
