export * from './client.js';
export * from './tenants-repository.js';
export * from './api-keys-repository.js';
export * from './webhooks-repository.js';
export * from './event-types-repository.js';
export * from './events-repository.js';
export * from './notifications-repository.js';
