// The system under test for a whole run: a fresh database (migrated), the
// receiver and the API; and the cleanup that stops every process, deletes
// the run's Redis keys and drops the database, also on error or Ctrl-C.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { ADMIN_DB_URL, DATABASE_URL, DB_NAME, REDIS_URL, QUEUE_PREFIX, log, root } from './options.mjs';
import { agent } from './http-client.mjs';
import { children, startApi, stopChild } from './processes.mjs';
import { startReceiver } from './receiver-client.mjs';
import { deletePrefixKeys, extraPrefixes } from './redis.mjs';
import { withPg } from './pg.mjs';

let stackStarted = false;

/** Builds when a dist is missing, migrates the fresh database, starts the receiver and the API. Returns `{createProducer, apiPort, receiverPort}`. */
export async function startStack() {
  const needed = ['apps/api/dist/main.js', 'apps/worker/dist/main.js', 'packages/producer/dist/index.js'];
  if (needed.some((f) => !fs.existsSync(path.join(root, f)))) {
    log('dist missing: running `pnpm build` first');
    const r = spawnSync('pnpm', ['build'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('pnpm build failed');
  }
  const { createProducer } = await import(pathToFileURL(path.join(root, 'packages/producer/dist/index.js')).href);
  const { migrateDatabase } = await import(pathToFileURL(path.join(root, 'prisma/migrate.mjs')).href);
  stackStarted = true;
  await migrateDatabase(DATABASE_URL);
  log('database migrated');
  const receiverPort = await startReceiver();
  const api = await startApi();
  log(`API on :${api.port}, receiver on :${receiverPort}`);
  return { createProducer };
}

const extraCleanups = [];
/** Also run `fn` on cleanup (after the children stopped): a phase with databases of its own (scale). */
export const onCleanup = (fn) => extraCleanups.push(fn);

let cleaning;
export function cleanup() {
  cleaning ??= (async () => {
    await Promise.all([...children].map((c) => stopChild(c, 10_000).catch(() => undefined)));
    for (const fn of extraCleanups) await fn().catch((e) => log(`cleanup: ${e.message}`));
    agent.destroy();
    if (!stackStarted) return;
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
    try {
      for (const prefix of [QUEUE_PREFIX, ...extraPrefixes]) {
        const n = await deletePrefixKeys(redis, prefix);
        log(`deleted ${n} Redis keys under ${prefix}:*`);
      }
    } catch (e) {
      log(`could not delete Redis keys: ${e.message}`);
    } finally {
      redis.disconnect();
    }
    try {
      await withPg(ADMIN_DB_URL, (c) => c.query(`DROP DATABASE IF EXISTS "${DB_NAME}" WITH (FORCE)`));
      log(`dropped database ${DB_NAME}`);
    } catch (e) {
      log(`could not drop database ${DB_NAME}: ${e.message}`);
    }
  })();
  return cleaning;
}

/** Kill the children if the bench dies; on Ctrl-C/SIGTERM clean up first. */
export function installSignalHandlers() {
  process.on('exit', () => {
    for (const c of children) c.kill('SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      log(`${sig}: stopping everything`);
      const force = setTimeout(() => process.exit(130), 30_000);
      force.unref();
      cleanup().finally(() => process.exit(130));
    });
  }
}
