/**
 * The bench's tracing phase compares the default build (tracing code
 * loaded, no OTLP endpoint) with tracing compiled out: a copy of the built
 * apps and packages in which bench/tracing-off/build.mjs replaces Hookrelay's
 * four tracing modules with pass-through stubs. That comparison only means
 * something while the stubs export what the real modules export (else the
 * copy is another program, or does not start), while the copy's packages
 * resolve to the copy, and while no OpenTelemetry module loads from it.
 * Checked here against the built dist, in child processes, so that a change
 * to the tracing modules that the stubs miss fails CI rather than the next
 * bench run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUILD = pathToFileURL(path.join(ROOT, 'bench/tracing-off/build.mjs')).href;
// a resolve hook, in the child only, that names every module resolved into an @opentelemetry package
const SPY = `data:text/javascript,${encodeURIComponent(`
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent('export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.includes("/@opentelemetry/")) process.stderr.write("OTEL " + r.url + "\\\\n"); return r; }'));
`)}`;
const LOAD = `await import('@hookrelay/api'); const core = await import('@hookrelay/core');
  console.log(JSON.stringify({ tracingEnabled: core.tracingEnabled(), core: import.meta.resolve('@hookrelay/core') }));`;

function runNode(args: string[], script: string, cwd = ROOT) {
  const r = spawnSync(process.execPath, [...args, '--input-type=module', '-e', script], { cwd, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`node exited ${r.status}: ${r.stderr}`);
  return r;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hookrelay-no-tracing-test-'));
  runNode([], `const { buildWithoutTracing } = await import(${JSON.stringify(BUILD)}); buildWithoutTracing(${JSON.stringify(ROOT)}, ${JSON.stringify(dir)});`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('each stub exports the names and constants of the module it replaces', () => {
  const script = `
    const { STUBS } = await import(${JSON.stringify(BUILD)});
    const out = {};
    for (const [file, stub] of Object.entries(STUBS)) {
      const real = await import(${JSON.stringify(pathToFileURL(ROOT).href)} + file);
      const fake = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'bench/tracing-off/')).href)} + stub);
      const constants = (m) => JSON.stringify([m.TRACER_NAME, m.SPANS, m.SPAN_ATTRIBUTES]);
      out[file] = { real: Object.keys(real).sort(), stub: Object.keys(fake).sort(), sameConstants: constants(real) === constants(fake) };
    }
    console.log(JSON.stringify(out));`;
  const modules: Record<string, { real: string[]; stub: string[]; sameConstants: boolean }> = JSON.parse(runNode([], script).stdout);
  expect(Object.keys(modules).sort()).toEqual([
    'packages/core/dist/tracing-setup.js',
    'packages/core/dist/tracing.js',
    'packages/delivery/dist/delivery-tracing.js',
    'packages/ingest/dist/publish-tracing.js',
  ]);
  for (const [file, m] of Object.entries(modules)) {
    expect({ file, exports: m.stub }).toEqual({ file, exports: m.real });
    expect({ file, sameConstants: m.sameConstants }).toEqual({ file, sameConstants: true });
  }
  expect(modules['packages/core/dist/tracing.js']?.real).toContain('inSpan');
});

test('the copy loads its own packages and no OpenTelemetry module; the repository loads @opentelemetry/api', () => {
  const copy = runNode(['--import', SPY], LOAD, path.join(dir, 'apps/api'));
  expect(JSON.parse(copy.stdout)).toEqual({ tracingEnabled: false, core: pathToFileURL(path.join(dir, 'packages/core/dist/index.js')).href });
  expect(copy.stderr).not.toMatch(/^OTEL /m);

  const shipped = runNode(['--import', SPY], LOAD, path.join(ROOT, 'apps/api'));
  expect(JSON.parse(shipped.stdout)).toEqual({ tracingEnabled: false, core: pathToFileURL(path.join(ROOT, 'packages/core/dist/index.js')).href });
  expect(shipped.stderr).toMatch(/^OTEL .*\/@opentelemetry\/api\//m);
});
