// Creates this run's own database (migrated) and BullMQ prefix. Local
// services are the normal path; TEST_DATABASE_URL / TEST_REDIS_URL override;
// testcontainers starts throwaway ones when neither answers.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { migrateDatabase } from '../prisma/migrate.mjs';

const LOCAL_POSTGRES = 'postgresql://postgres@127.0.0.1:5432/postgres';
const LOCAL_REDIS = 'redis://127.0.0.1:6379';

async function postgresAnswers(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function redisAnswers(url) {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

async function startPostgresContainer(containers) {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer('postgres:15-alpine').start();
  containers.push(container);
  return container.getConnectionUri();
}

async function startRedisContainer(containers) {
  const { RedisContainer } = await import('@testcontainers/redis');
  const container = await new RedisContainer('redis:7-alpine').start();
  containers.push(container);
  return container.getConnectionUrl();
}

export default async function globalSetup() {
  const runId = randomBytes(4).toString('hex');
  const containers = [];

  let serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) serverUrl = (await postgresAnswers(LOCAL_POSTGRES)) ? LOCAL_POSTGRES : await startPostgresContainer(containers);
  let redisUrl = process.env.TEST_REDIS_URL;
  if (!redisUrl) redisUrl = (await redisAnswers(LOCAL_REDIS)) ? LOCAL_REDIS : await startRedisContainer(containers);

  const dbName = `hookrelay_test_${runId}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  await admin.end();

  const dbUrl = new URL(serverUrl);
  dbUrl.pathname = `/${dbName}`;
  const databaseUrl = dbUrl.toString();
  await migrateDatabase(databaseUrl);

  process.env.HOOKRELAY_TEST_DATABASE_URL = databaseUrl;
  process.env.HOOKRELAY_TEST_REDIS_URL = redisUrl;
  process.env.HOOKRELAY_TEST_QUEUE_PREFIX = `hookrelay-test-${runId}`;
  globalThis.__hookrelayTest = { serverUrl, dbName, redisUrl, prefix: process.env.HOOKRELAY_TEST_QUEUE_PREFIX, containers };
}
