import { redisEndpoints } from './redis-probe.js';
import { UsageError } from './errors.js';

test('a single-server URL names its host and port (6379 by default)', () => {
  expect(redisEndpoints('redis://10.0.0.5:7000/0')).toEqual([{ host: '10.0.0.5', port: 7000 }]);
  expect(redisEndpoints('rediss://user:pw@cache.example')).toEqual([{ host: 'cache.example', port: 6379 }]);
  expect(redisEndpoints('redis://[::1]:6380')).toEqual([{ host: '::1', port: 6380 }]);
});

test('a cluster URL names every seed node', () => {
  expect(redisEndpoints('redis+cluster://:secret@127.0.0.1:7001,127.0.0.1:7002')).toEqual([
    { host: '127.0.0.1', port: 7001 },
    { host: '127.0.0.1', port: 7002 },
  ]);
  expect(redisEndpoints('rediss+cluster://a.example:6380')).toEqual([{ host: 'a.example', port: 6380 }]);
});

test('other schemes, or several hosts without +cluster, are usage errors', () => {
  expect(() => redisEndpoints('http://127.0.0.1:6379')).toThrow(UsageError);
  expect(() => redisEndpoints('redis://a:1,b:2')).toThrow(/redis\+cluster/);
});
