/**
 * Connection settings of this test run (see test/global-setup.mjs). Each
 * caller of `testQueuePrefix()` gets a prefix of its own under the run's, so
 * workers started by different test files never take each other's jobs.
 */
import { randomBytes } from 'node:crypto';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (test/global-setup.mjs)`);
  return value;
}

export const testDatabaseUrl = (): string => required('HOOKRELAY_TEST_DATABASE_URL');
export const testRedisUrl = (): string => required('HOOKRELAY_TEST_REDIS_URL');
export const testQueuePrefix = (): string => `${required('HOOKRELAY_TEST_QUEUE_PREFIX')}-${randomBytes(3).toString('hex')}`;
export const uniqueTenant = (label = 't'): string => `${label}_${randomBytes(5).toString('hex')}`;
