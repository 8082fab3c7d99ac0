/** What the API's routes call: one service per resource (the presenters shape their answers). */
export * from './api-key-service.js';
export * from './auth.js';
export * from './endpoint-settings-input.js';
export * from './event-type-service.js';
export * from './ids.js';
export * from './notification-service.js';
export * from './portal-session-service.js';
export * from './stats-service.js';
export * from './webhook-service.js';
