/**
 * One hostile request and its aftermath: a 4xx problem+json without
 * internals, /healthz still answering, and nothing changed: every table of
 * the file's own database (row counts and checksums) and every Redis key
 * under the stack's queue prefix are compared before and after.
 */
import type pg from 'pg';
import type { Redis } from 'ioredis';
import type { RawRequest, RawResponse } from '../support/raw-http.js';
import type { HostileCase } from './hostile-context.js';

const TABLES = ['tenants', 'api_keys', 'webhooks', 'event_types', 'events', 'notifications', 'attempts', 'portal_sessions'];

export const STACK_TRACE = /\n\s+at |\bat [^\s]+ \(|\bat .*:\d+:\d+|node_modules|\/work\/|\/src\/|\.[cm]?[jt]s:\d+|Error: |PrismaClient|prisma\./i;

export interface Target {
  db: pg.Client;
  redis: Redis;
  queuePrefix: string;
  send(request: RawRequest): Promise<RawResponse>;
}

export async function snapshot({ db, redis, queuePrefix }: Target): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of TABLES) {
    const { rows } = await db.query(`SELECT count(*)::int AS n, coalesce(md5(string_agg(x::text, E'\\n' ORDER BY x::text)), '-') AS sum FROM "${table}" x`);
    out[`db:${table}`] = `${rows[0].n} rows, md5 ${rows[0].sum}`;
  }
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${queuePrefix}:*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  for (const key of keys.sort()) {
    const type = await redis.type(key);
    let value: unknown;
    if (type === 'string') value = await redis.get(key);
    else if (type === 'hash') value = await redis.hgetall(key);
    else if (type === 'list') value = await redis.lrange(key, 0, -1);
    else if (type === 'set') value = (await redis.smembers(key)).sort();
    else if (type === 'zset') value = await redis.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'stream') value = await redis.xlen(key);
    out[`redis:${key}`] = `${type} ${JSON.stringify(value)}`;
  }
  return out;
}

/** Sends one hostile case and returns what is wrong with the answer and the aftermath (nothing, ideally). */
export async function attack(target: Target, c: HostileCase, { requireProblem = true } = {}): Promise<string | null> {
  const label = `${c.route} — ${c.name}`;
  const before = await snapshot(target);
  let res: RawResponse;
  try {
    res = await target.send(c.request);
  } catch (error) {
    return `${label}: request failed: ${(error as Error).message}`;
  }
  const problems: string[] = [];
  if (res.status < 400 || res.status >= 500) problems.push(`status ${res.status}`);
  if (c.expect && !c.expect.includes(res.status)) problems.push(`status ${res.status}, expected ${c.expect.join('/')}`);
  if (requireProblem) {
    if (!/^application\/problem\+json/.test(String(res.headers['content-type']))) problems.push(`content-type ${res.headers['content-type']}`);
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(res.text);
    } catch {
      problems.push('body is not JSON');
    }
    if (body) {
      for (const field of ['type', 'title', 'detail']) if (typeof body[field] !== 'string') problems.push(`no string ${field}`);
      if (body.status !== res.status) problems.push(`body status ${String(body.status)} ≠ ${res.status}`);
    }
  }
  if (STACK_TRACE.test(res.text)) problems.push(`leaks internals: ${res.text.slice(0, 300)}`);
  const health = await target.send({ method: 'GET', path: '/healthz' }).catch((e: Error) => ({ status: 0, text: e.message }) as RawResponse);
  if (health.status !== 200) problems.push(`/healthz answered ${health.status} afterwards`);
  const after = await snapshot(target);
  const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => before[k] !== after[k]);
  if (changed.length) problems.push(`changed: ${changed.join(', ')}`);
  return problems.length ? `${label}: ${problems.join('; ')} — ${res.text.slice(0, 200)}` : null;
}
