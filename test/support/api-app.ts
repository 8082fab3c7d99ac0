/**
 * The management API on 127.0.0.1:<random port> against this run's database,
 * called over real HTTP with fetch. `readiness` can be overridden to test /readyz.
 */
import { randomBytes } from 'node:crypto';
import { createLogger, type Logger } from '@hookrelay/core';
import { createPrismaClient, type PrismaClient } from '@hookrelay/db';
import { startApiRuntime, type ReadinessCheck } from '@hookrelay/api';
import { testConfig } from './stack.js';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  key?: string | null;
  body?: unknown;
  /** sent verbatim, no JSON encoding */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

export interface TestApi {
  url: string;
  adminKey: string;
  db: PrismaClient;
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

export interface TestApiOptions {
  readiness?: ReadinessCheck;
  /** more environment for the API's configuration */
  env?: Record<string, string>;
  /** a logger of the caller's (to read what the API logs) */
  logger?: Logger;
}

export async function startTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  const adminKey = `admin_${randomBytes(12).toString('hex')}`;
  const config = testConfig({ ...options.env, ADMIN_API_KEY: adminKey });
  const logger = options.logger ?? createLogger({ level: 'silent', pretty: false });
  const runtime = await startApiRuntime(config, logger, { readiness: options.readiness });
  const db = createPrismaClient({ url: config.databaseUrl, poolSize: 4 });
  const url = runtime.url;

  async function request<T>(method: string, path: string, o: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...o.headers };
    const key = o.key === undefined ? adminKey : o.key;
    if (key !== null) headers.authorization ??= `Bearer ${key}`;
    let body: string | Buffer | undefined;
    if (o.raw !== undefined) body = o.raw;
    else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + path, { method, headers, body: body as BodyInit | undefined });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  return {
    url,
    adminKey,
    db,
    request,
    async close() {
      await runtime.stop();
      await db.$disconnect();
    },
  };
}

/** A tenant key made through the API. */
export async function createTenantKey(api: TestApi, tenant: string): Promise<string> {
  const res = await api.request('POST', '/v1/api-keys', { body: { tenant, name: 'test' } });
  if (res.status !== 201) throw new Error(`creating a key failed: ${res.status} ${res.text}`);
  return res.body.key as string;
}
