/**
 * Starts the real API (Express on 127.0.0.1, random port) and a real worker
 * runtime in this process, against this run's Postgres and Redis and a queue
 * prefix of their own, with the same wiring as apps/api and apps/worker.
 */
import { createLogger, loadConfig, type Config } from '@hookrelay/core';
import { startApiRuntime, type ApiRuntime } from '@hookrelay/api';
import { startWorkerRuntime, type WorkerRuntime } from '@hookrelay/worker';
import { testDatabaseUrl, testQueuePrefix, testRedisUrl } from './env.js';

export const ADMIN_KEY = 'test-admin-key-0123456789';

export interface Stack {
  config: Config;
  api: ApiRuntime;
  worker: WorkerRuntime | null;
  /** calls the API as the admin (or with `key`) and parses the JSON answer */
  call(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig(
    {
      DATABASE_URL: testDatabaseUrl(),
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: testQueuePrefix(),
      ADMIN_API_KEY: ADMIN_KEY,
      PORT: '0',
      RETRY_SCHEDULE: '1,1',
      DELIVERY_TIMEOUT_MS: '2000',
      WORKER_CONCURRENCY: '20',
      ALLOW_PRIVATE_DESTINATIONS: 'true',
      WORKER_METRICS_PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...env,
    },
    { requireAdminKey: true },
  );
}

export async function startStack(env: Record<string, string> = {}, options: { worker?: boolean } = {}): Promise<Stack> {
  const config = testConfig(env);
  const logger = createLogger({ level: config.logLevel, pretty: false });
  const api = await startApiRuntime(config, logger);
  const worker = options.worker === false ? null : await startWorkerRuntime(config, logger);
  return {
    config,
    api,
    worker,
    async call(method, path, body, key = ADMIN_KEY) {
      const response = await fetch(`${api.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async stop() {
      await worker?.stop();
      await api.stop();
    },
  };
}

// the tests that run a stack poll with it
export { until } from './until.js';
