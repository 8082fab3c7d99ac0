import { clusterPrefixProblem, hashTagOf, parseClusterNodes, parseRedisUrl } from './redis-settings.js';

test('redis:// and rediss:// URLs are one server, kept as given', () => {
  expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({ kind: 'single', url: 'redis://127.0.0.1:6379' });
  expect(parseRedisUrl('rediss://:secret@cache.example.com:6380/2')).toEqual({ kind: 'single', url: 'rediss://:secret@cache.example.com:6380/2' });
});

test('a redis+cluster:// URL lists the seed nodes, with credentials and TLS', () => {
  expect(parseRedisUrl('redis+cluster://127.0.0.1:7000,127.0.0.1:7001, 10.0.0.3')).toEqual({
    kind: 'cluster',
    nodes: [
      { host: '127.0.0.1', port: 7000 },
      { host: '127.0.0.1', port: 7001 },
      { host: '10.0.0.3', port: 6379 },
    ],
    tls: false,
  });
  expect(parseRedisUrl('rediss+cluster://app:p%40ss:w@cfg.cache.amazonaws.com:6379/')).toEqual({
    kind: 'cluster',
    nodes: [{ host: 'cfg.cache.amazonaws.com', port: 6379 }],
    username: 'app',
    password: 'p@ss:w',
    tls: true,
  });
  expect(parseRedisUrl('redis+cluster://:only-password@[::1]:7000/0')).toEqual({
    kind: 'cluster',
    nodes: [{ host: '::1', port: 7000 }],
    password: 'only-password',
    tls: false,
  });
});

test('bad URLs are refused with a reason', () => {
  expect(() => parseRedisUrl('http://127.0.0.1:6379')).toThrow(/redis\+cluster:\/\//);
  expect(() => parseRedisUrl('127.0.0.1:6379')).toThrow(/redis:\/\//);
  expect(() => parseRedisUrl('redis://')).toThrow(/host/);
  expect(() => parseRedisUrl('redis+cluster://')).toThrow(/at least one host:port/);
  expect(() => parseRedisUrl('redis+cluster://a:7000,b:notaport')).toThrow(/"b:notaport" is not a host:port/);
  expect(() => parseRedisUrl('redis+cluster://a:7000/3')).toThrow(/database 0/);
  expect(() => parseRedisUrl('redis+cluster://a:7000?tls=true')).toThrow(/no database, path or query/);
});

test('a node list parses alone', () => {
  expect(parseClusterNodes('redis-0:6379,redis-1:6379')).toEqual([
    { host: 'redis-0', port: 6379 },
    { host: 'redis-1', port: 6379 },
  ]);
  expect(() => parseClusterNodes(' , ')).toThrow(/at least one/);
  expect(() => parseClusterNodes('user@host:1')).toThrow(/not a host:port/);
});

test('the hash tag is what Redis Cluster hashes: between the first { and the next }', () => {
  expect(hashTagOf('{hookrelay}')).toBe('hookrelay');
  expect(hashTagOf('{hookrelay}:deliveries:wait')).toBe('hookrelay');
  expect(hashTagOf('app:{tenant-a}:x')).toBe('tenant-a');
  expect(hashTagOf('hookrelay')).toBeNull();
  expect(hashTagOf('{}{hookrelay}')).toBeNull();
  expect(hashTagOf('hook{relay')).toBeNull();
  expect(hashTagOf('}x{y}')).toBe('y');
});

test('a cluster needs a hash-tagged queue prefix', () => {
  expect(clusterPrefixProblem('{hookrelay}')).toBeNull();
  expect(clusterPrefixProblem('prod-{hookrelay}')).toBeNull();
  expect(clusterPrefixProblem('hookrelay')).toMatch(/hash tag, e\.g\. "\{hookrelay\}"/);
  expect(clusterPrefixProblem('{}')).toMatch(/hash tag/);
});
