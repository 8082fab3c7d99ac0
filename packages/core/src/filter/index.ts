export * from './filter-rules.js';
export * from './filter-match.js';
export * from './filter-schema.js';
