import { InvalidArgumentError } from 'commander';
import { collectList, parseDuration, parsePositiveInt, parseTime, readJsonArgument } from './parse.js';
import { Readable } from 'node:stream';
import { UsageError } from './errors.js';

test('durations: a bare number is milliseconds, units scale it', () => {
  expect(parseDuration('250')).toBe(250);
  expect(parseDuration('250ms')).toBe(250);
  expect(parseDuration('1.5s')).toBe(1500);
  expect(parseDuration('5m')).toBe(300_000);
  expect(parseDuration('2h')).toBe(7_200_000);
  for (const bad of ['', 'soon', '5 minutes', '-1s', '0', '1w']) expect(() => parseDuration(bad)).toThrow(InvalidArgumentError);
});

test('times: RFC 3339, "now", or a duration ago; nothing Date.parse would guess at', () => {
  const now = () => Date.parse('2026-01-02T03:04:05.000Z');
  expect(parseTime('2026-01-01T00:00:00Z', now)).toBe('2026-01-01T00:00:00.000Z');
  expect(parseTime('2026-01-01T01:00:00+01:00', now)).toBe('2026-01-01T00:00:00.000Z');
  expect(parseTime('now', now)).toBe('2026-01-02T03:04:05.000Z');
  expect(parseTime('15m', now)).toBe('2026-01-02T02:49:05.000Z');
  expect(parseTime('1d', now)).toBe('2026-01-01T03:04:05.000Z');
  for (const bad of ['1', 'March', 'yesterday', '2026-13-45', '15']) expect(() => parseTime(bad, now)).toThrow(InvalidArgumentError);
});

test('positive integers and comma lists', () => {
  expect(parsePositiveInt(100)('100')).toBe(100);
  expect(() => parsePositiveInt(100)('101')).toThrow('at most 100');
  expect(() => parsePositiveInt()('0')).toThrow(InvalidArgumentError);
  expect(() => parsePositiveInt()('2.5')).toThrow(InvalidArgumentError);
  expect(collectList('B, C', collectList('A', undefined))).toEqual(['A', 'B', 'C']);
  expect(() => collectList(' , ', undefined)).toThrow(InvalidArgumentError);
});

test('JSON arguments: inline or stdin; invalid JSON is a usage error', async () => {
  const empty = Readable.from([]);
  expect(await readJsonArgument('{"a":[1]}', '--resource', empty)).toEqual({ a: [1] });
  expect(await readJsonArgument('-', '--resource', Readable.from([Buffer.from('{"b":'), Buffer.from('2}')]))).toEqual({ b: 2 });
  await expect(readJsonArgument('{a}', '--resource', empty)).rejects.toThrow(UsageError);
  await expect(readJsonArgument('-', '--resource', Readable.from(['nope']))).rejects.toThrow('--resource: stdin is not valid JSON');
});
