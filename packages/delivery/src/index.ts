export * from './destination-guard.js';
export * from './callback.js';
export * from './deliverer.js';
