/**
 * One jest run = one database (created, migrated, dropped) and one BullMQ
 * prefix; see test/global-setup.mjs. Sources run through @swc/jest as ESM.
 */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' } }],
  },
  moduleNameMapper: {
    '^@hookrelay/core/light$': '<rootDir>/packages/core/src/light.ts',
    '^@hookrelay/core/producer$': '<rootDir>/packages/core/src/producer-entry.ts',
    '^@hookrelay/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/apps/**/*.test.ts', '<rootDir>/packages/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  globalSetup: '<rootDir>/test/global-setup.mjs',
  globalTeardown: '<rootDir>/test/global-teardown.mjs',
  testTimeout: 60000,
  maxWorkers: 2,
};
