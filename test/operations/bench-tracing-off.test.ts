/**
 * The bench's tracing phase compares the default build (tracing code
 * loaded, no OTLP endpoint) with tracing compiled out: `--import
 * bench/tracing-off/register.mjs` swaps Hookrelay's four tracing modules for
 * pass-through stubs at load time. That comparison only means something
 * while the stubs export what the real modules export (else the variant is
 * another program, or does not start) and while no OpenTelemetry module
 * loads with them. Checked here in child processes, against the built dist,
 * so that a change to the tracing modules that the stubs miss fails CI
 * rather than the next bench run.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REGISTER = pathToFileURL(path.join(ROOT, 'bench/tracing-off/register.mjs')).href;
// records every module that resolves into an @opentelemetry package
const SPY = `data:text/javascript,${encodeURIComponent(`
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent('export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.includes("/@opentelemetry/")) process.stderr.write("OTEL " + r.url + "\\\\n"); return r; }'));
`)}`;

function runNode(args: string[], script: string) {
  const r = spawnSync(process.execPath, [...args, '--input-type=module', '-e', script], { cwd: path.join(ROOT, 'apps/api'), encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`node exited ${r.status}: ${r.stderr}`);
  return r;
}

test('each stub exports the names and constants of the module it replaces', () => {
  const script = `
    const { STUBS } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'bench/tracing-off/hooks.mjs')).href)});
    const out = {};
    for (const [suffix, stub] of Object.entries(STUBS)) {
      const real = await import(${JSON.stringify(pathToFileURL(ROOT).href)} + suffix.slice(1));
      const fake = await import(new URL(stub, ${JSON.stringify(pathToFileURL(path.join(ROOT, 'bench/tracing-off/')).href)}).href);
      const constants = (m) => JSON.stringify([m.TRACER_NAME, m.SPANS, m.SPAN_ATTRIBUTES]);
      out[suffix] = { real: Object.keys(real).sort(), stub: Object.keys(fake).sort(), sameConstants: constants(real) === constants(fake) };
    }
    console.log(JSON.stringify(out));`;
  const modules: Record<string, { real: string[]; stub: string[]; sameConstants: boolean }> = JSON.parse(runNode([], script).stdout);
  expect(Object.keys(modules).sort()).toEqual([
    '/packages/core/dist/tracing-setup.js',
    '/packages/core/dist/tracing.js',
    '/packages/services/dist/delivery-tracing.js',
    '/packages/services/dist/publish-tracing.js',
  ]);
  for (const [suffix, m] of Object.entries(modules)) {
    expect({ suffix, exports: m.stub }).toEqual({ suffix, exports: m.real });
    expect({ suffix, sameConstants: m.sameConstants }).toEqual({ suffix, sameConstants: true });
  }
  expect(modules['/packages/core/dist/tracing.js']?.real).toContain('inSpan');
});

test('with the stubs the API and worker packages load no OpenTelemetry module; without them they do', () => {
  const load = `await import('@hookrelay/http'); await import('@hookrelay/services'); const core = await import('@hookrelay/core'); console.log(core.tracingEnabled());`;
  const stubbed = runNode(['--import', SPY, '--import', REGISTER], load);
  expect(stubbed.stdout.trim()).toBe('false');
  expect(stubbed.stderr).not.toMatch(/^OTEL /m);
  for (const m of ['core/dist/tracing.js', 'core/dist/tracing-setup.js', 'services/dist/delivery-tracing.js', 'services/dist/publish-tracing.js']) {
    expect(stubbed.stderr).toContain(`tracing-off: stubbed /packages/${m}`);
  }

  const shipped = runNode(['--import', SPY], load);
  expect(shipped.stdout.trim()).toBe('false');
  expect(shipped.stderr).toMatch(/^OTEL .*\/@opentelemetry\/api\//m);
  expect(shipped.stderr).not.toContain('tracing-off: stubbed');
});
