/** The shared filter cases live beside the filter module (packages/core/src/filter/filter-cases.fixture.ts). */
export * from '../../packages/core/src/filter/filter-cases.fixture.js';
