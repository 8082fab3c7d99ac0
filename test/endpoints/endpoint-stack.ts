/**
 * The real API and worker (same wiring as apps/*) with SECRET_ENCRYPTION_KEY
 * set and every log line (trace level, API and worker) captured, plus a
 * Prisma client for reading the raw columns. For the endpoint headers/auth
 * tests, which check both what arrives and what never leaks.
 */
import { Writable } from 'node:stream';
import { createLogger, type Config } from '@hookrelay/core';
import { createPrismaClient, type PrismaClient } from '@hookrelay/db';
import { startApiRuntime, type ApiRuntime } from '@hookrelay/api';
import { startWorkerRuntime, type WorkerRuntime } from '@hookrelay/worker';
import { ADMIN_KEY, testConfig, until } from '../support/stack.js';

export const ENCRYPTION_KEY = 'endpoint-tests-encryption-key-0123456789';

export interface EndpointStack {
  config: Config;
  api: ApiRuntime;
  worker: WorkerRuntime;
  db: PrismaClient;
  /** every log line written so far */
  log(): string;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** waits for a notification to reach `status` and returns it */
  settled(id: string, status: string, timeoutMs?: number): Promise<any>;
  stop(): Promise<void>;
}

export async function startEndpointStack(env: Record<string, string> = {}): Promise<EndpointStack> {
  const config = testConfig({ LOG_LEVEL: 'trace', SECRET_ENCRYPTION_KEY: ENCRYPTION_KEY, ...env });
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ level: 'trace' }, sink);
  const api = await startApiRuntime(config, logger);
  const worker = await startWorkerRuntime(config, logger);
  const db = createPrismaClient({ url: config.databaseUrl, poolSize: 2 });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(api.url + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  return {
    config,
    api,
    worker,
    db,
    log: () => lines.join(''),
    call,
    async settled(id, status, timeoutMs = 20_000) {
      return until(
        async () => {
          const n = await call('GET', `/v1/notifications/${id}`);
          return n.body?.status === status ? n.body : null;
        },
        { timeoutMs },
      );
    },
    async stop() {
      await worker.stop();
      await api.stop();
      await db.$disconnect();
    },
  };
}
