export * from './filter-rules.js';
export * from './filter-match.js';
