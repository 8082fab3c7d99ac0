import { loadConfig } from './config.js';
import { ConfigError } from './errors.js';

function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

test('by default Redis is one local server', () => {
  const config = loadConfig({});
  expect(config.redis).toEqual({ kind: 'single', url: 'redis://127.0.0.1:6379' });
  expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
  expect(config.queuePrefix).toBe('hookrelay');
});

test('a redis:// REDIS_URL is one server, as before', () => {
  const config = loadConfig({ REDIS_URL: 'rediss://:pw@cache:6380/1' });
  expect(config.redis).toEqual({ kind: 'single', url: 'rediss://:pw@cache:6380/1' });
  expect(config.redisUrl).toBe('rediss://:pw@cache:6380/1');
});

test('a redis+cluster:// REDIS_URL selects cluster mode', () => {
  const config = loadConfig({ REDIS_URL: 'rediss+cluster://:pw@10.0.0.1:7000,10.0.0.2:7001', QUEUE_PREFIX: '{hookrelay}' });
  expect(config.redis).toEqual({
    kind: 'cluster',
    nodes: [
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
    ],
    password: 'pw',
    tls: true,
  });
  expect(config.redisUrl).toBe('rediss+cluster://:pw@10.0.0.1:7000,10.0.0.2:7001');
  expect(config.queuePrefix).toBe('{hookrelay}');
});

test('REDIS_CLUSTER_NODES selects cluster mode', () => {
  const config = loadConfig({ REDIS_CLUSTER_NODES: 'redis-0:6379, redis-1:6379,redis-2:6379', QUEUE_PREFIX: 'prod-{hookrelay}' });
  expect(config.redis).toEqual({
    kind: 'cluster',
    nodes: [
      { host: 'redis-0', port: 6379 },
      { host: 'redis-1', port: 6379 },
      { host: 'redis-2', port: 6379 },
    ],
    tls: false,
  });
  expect(config.redisUrl).toBe('redis+cluster://redis-0:6379,redis-1:6379,redis-2:6379');
});

test('cluster mode without a hash tag in QUEUE_PREFIX stops the start with one message naming QUEUE_PREFIX', () => {
  expect(configError({ REDIS_CLUSTER_NODES: 'redis-0:6379' })).toBe(
    'Invalid configuration: QUEUE_PREFIX: must contain a Redis Cluster hash tag, e.g. "{hookrelay}", when Redis is a cluster: BullMQ needs every key of a queue in one hash slot',
  );
  expect(configError({ REDIS_URL: 'redis+cluster://a:1', QUEUE_PREFIX: 'myapp' })).toMatch(/^Invalid configuration: QUEUE_PREFIX: .*"\{myapp\}"/);
  expect(configError({ REDIS_URL: 'redis+cluster://a:1', QUEUE_PREFIX: '{}' })).toMatch(/^Invalid configuration: QUEUE_PREFIX: /);
  // one server needs no hash tag, but accepts one
  expect(loadConfig({ QUEUE_PREFIX: '{hookrelay}' }).queuePrefix).toBe('{hookrelay}');
});

test('bad Redis settings name their variable', () => {
  expect(configError({ REDIS_URL: 'http://127.0.0.1:6379' })).toMatch(/^Invalid configuration: REDIS_URL: must be a redis:\/\//);
  expect(configError({ REDIS_URL: 'redis+cluster://a:1,b:x', QUEUE_PREFIX: '{h}' })).toMatch(/^Invalid configuration: REDIS_URL: "b:x" is not a host:port/);
  expect(configError({ REDIS_CLUSTER_NODES: 'a:1,,b:nope', QUEUE_PREFIX: '{h}' })).toMatch(
    /^Invalid configuration: REDIS_CLUSTER_NODES: must be a comma-separated host:port list/,
  );
  expect(configError({ REDIS_CLUSTER_NODES: 'a:1', REDIS_URL: 'redis://a:1', QUEUE_PREFIX: '{h}' })).toMatch(
    /^Invalid configuration: REDIS_CLUSTER_NODES: set either REDIS_CLUSTER_NODES or REDIS_URL, not both/,
  );
});

test('retention: RETENTION_DAYS (fractions, at least 0.0005) and RETENTION_SWEEP_INTERVAL_MS (at least 1000)', () => {
  expect(loadConfig({}).retention).toEqual({ maxAgeMs: 30 * 86_400_000, sweepIntervalMs: 3_600_000 });
  expect(loadConfig({ RETENTION_DAYS: '0.5', RETENTION_SWEEP_INTERVAL_MS: '1000' }).retention).toEqual({ maxAgeMs: 43_200_000, sweepIntervalMs: 1000 });
  expect(loadConfig({ RETENTION_DAYS: '0.0005' }).retention.maxAgeMs).toBe(43_200);
  expect(configError({ RETENTION_DAYS: '0.0001' })).toMatch(/^Invalid configuration: RETENTION_DAYS: must be greater than or equal to 0.0005/);
  expect(configError({ RETENTION_DAYS: 'forever' })).toMatch(/^Invalid configuration: RETENTION_DAYS: must be a number/);
  expect(configError({ RETENTION_SWEEP_INTERVAL_MS: '999' })).toMatch(
    /^Invalid configuration: RETENTION_SWEEP_INTERVAL_MS: must be greater than or equal to 1000/,
  );
  expect(configError({ RETENTION_SWEEP_INTERVAL_MS: '1500.5' })).toMatch(/^Invalid configuration: RETENTION_SWEEP_INTERVAL_MS: must be an integer/);
});

test('MAX_EVENT_BYTES defaults to 262144 and is checked', () => {
  expect(loadConfig({}).ingest.maxEventBytes).toBe(262_144);
  expect(loadConfig({ MAX_EVENT_BYTES: '1048576' }).ingest.maxEventBytes).toBe(1_048_576);
  expect(configError({ MAX_EVENT_BYTES: '12kb' })).toMatch(/^Invalid configuration: MAX_EVENT_BYTES: /);
  expect(configError({ MAX_EVENT_BYTES: '100' })).toMatch(/MAX_EVENT_BYTES/);
  expect(configError({ MAX_EVENT_BYTES: String(2 * 1024 * 1024) })).toMatch(/MAX_EVENT_BYTES/);
});

test('ENDPOINT_MAX_IN_FLIGHT: default 10, 1-100, a bad value names the variable', () => {
  expect(loadConfig({}).delivery.endpointMaxInFlight).toBe(10);
  expect(loadConfig({ ENDPOINT_MAX_IN_FLIGHT: '3' }).delivery.endpointMaxInFlight).toBe(3);
  for (const bad of ['0', '101', '2.5', 'ten'])
    expect(configError({ ENDPOINT_MAX_IN_FLIGHT: bad })).toMatch(/^Invalid configuration: ENDPOINT_MAX_IN_FLIGHT: /);
});
