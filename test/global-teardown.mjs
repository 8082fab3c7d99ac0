// Drops this run's database and deletes every Redis key under its prefix.
import pg from 'pg';
import { Redis } from 'ioredis';

export default async function globalTeardown() {
  const state = globalThis.__hookrelayTest;
  if (!state) return;
  const admin = new pg.Client({ connectionString: state.serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${state.dbName}" WITH (FORCE)`);
  await admin.end();

  const redis = new Redis(state.redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${state.prefix}*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();

  for (const container of state.containers) await container.stop();
}
