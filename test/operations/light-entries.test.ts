/**
 * What the short-lived and embedded entry points load. The CLI starts on
 * `@hookrelay/core/light` (no joi, no pino, no Redis client until a command
 * needs one); the producer SDK, which lives in other people's processes, on
 * `@hookrelay/core/producer` (joi for the event schema, the OpenTelemetry
 * API for its spans, ioredis and BullMQ; not pino, the server's config or
 * the tracing SDK). Each is imported from its build in a child process whose
 * resolve hook names every npm package resolved.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HOOK = `export async function resolve(s, c, next) {
  const r = await next(s, c);
  const m = r.url.match(/node_modules\\/(?:\\.pnpm\\/[^/]+\\/node_modules\\/)?((?:@[^/]+\\/)?[^/]+)\\//g);
  if (m) process.stderr.write('PKG ' + m[m.length - 1].replace(/.*node_modules\\//, '').replace(/\\/$/, '') + '\\n');
  return r;
}`;
const SPY = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOK)}`)});`)}`;

/** npm packages resolved while importing `entry` (a path under the repository) */
function packagesLoadedBy(entry: string): string[] {
  const url = pathToFileURL(path.join(ROOT, entry)).href;
  const r = spawnSync(process.execPath, ['--import', SPY, '--input-type=module', '-e', `await import(${JSON.stringify(url)});`], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.status !== 0) throw new Error(`node exited ${r.status}: ${r.stderr}`);
  return [...new Set(r.stderr.split('\n').flatMap((line) => (line.startsWith('PKG ') ? [line.slice(4)] : [])))].sort();
}

test('the CLI loads commander only until a command needs more', () => {
  expect(packagesLoadedBy('packages/cli/dist/index.js')).toEqual(['commander']);
});

test('the producer SDK loads neither pino nor the server config nor the tracing SDK', () => {
  const loaded = packagesLoadedBy('packages/producer/dist/index.js');
  expect(loaded).toEqual(expect.arrayContaining(['bullmq', 'ioredis', 'joi', '@opentelemetry/api']));
  expect(loaded).not.toContain('pino');
  expect(loaded.filter((p) => p.startsWith('@opentelemetry/') && p !== '@opentelemetry/api')).toEqual([]);
});
