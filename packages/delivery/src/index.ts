export * from './destination-guard.js';
export * from './callback.js';
export * from './deliverer.js';
export * from './delivery-client.js';
export * from './oauth2-token-provider.js';
export * from './endpoint-headers.js';
