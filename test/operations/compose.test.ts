/**
 * docker/compose.yml and docker/Dockerfile, checked without a Docker engine.
 * `docker-compose config` (docker-compose 1.29 here; a Compose v2
 * `docker-compose` works too) validates and renders the compose file, and the
 * rendered services are checked for what `docker compose up --scale worker=3`
 * relies on. The Dockerfile and .dockerignore are read statically against the
 * repository as it is.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@hookrelay/core';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COMPOSE_FILE = path.join(ROOT, 'docker', 'compose.yml');
const DOCKERFILE = path.join(ROOT, 'docker', 'Dockerfile');
const REQUIRED_ENV = { ADMIN_API_KEY: 'compose-test-admin-key', SECRET_ENCRYPTION_KEY: 'compose-test-secret-key-0123456789' };

// ---------------------------------------------------------------------------
// docker-compose

const composeAvailable = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
if (!composeAvailable) {
  console.warn('test/operations/compose.test.ts: docker-compose is not installed, so docker/compose.yml is not rendered; only the Dockerfile checks run');
}
const describeCompose = composeAvailable ? describe : describe.skip;

/** `yaml`, reached through the dependencies that bring it (testcontainers → docker-compose → yaml); nothing is added to package.json. */
function yamlParser(): (text: string) => unknown {
  try {
    const fromRoot = createRequire(path.join(ROOT, 'package.json'));
    const fromTestcontainers = createRequire(fromRoot.resolve('testcontainers'));
    const fromDockerCompose = createRequire(fromTestcontainers.resolve('docker-compose'));
    return (fromDockerCompose('yaml') as { parse: (text: string) => unknown }).parse;
  } catch (error) {
    throw new Error(`no YAML parser reachable (testcontainers → docker-compose → yaml): ${(error as Error).message}`);
  }
}

interface Rendered {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `docker-compose … config` with only `vars` (plus PATH/HOME) in its
 * environment and an empty --env-file (or `envFile`), so neither this
 * process's environment (the test run sets QUEUE_PREFIX, DATABASE_URL…) nor a
 * local docker/.env leaks into the result.
 */
function composeConfig(vars: Record<string, string>, envFile?: string): Rendered {
  const dir = mkdtempSync(path.join(tmpdir(), 'hookrelay-compose-'));
  try {
    const file = envFile ?? path.join(dir, 'empty.env');
    if (!envFile) writeFileSync(file, '');
    const result = spawnSync('docker-compose', ['--env-file', file, '-f', COMPOSE_FILE, 'config'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? dir, ...vars },
      timeout: 60_000,
    });
    return { status: result.status, stdout: result.stdout ?? '', stderr: `${result.stderr ?? ''}${result.error?.message ?? ''}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string; target?: string };
  command?: string[] | string;
  environment?: Record<string, string | number | null>;
  ports?: unknown[];
  expose?: unknown[];
  container_name?: string;
  network_mode?: string;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string; disable?: boolean };
  volumes?: (string | { source?: string; target: string })[];
  restart?: string;
  stop_grace_period?: string;
  scale?: number | string;
  deploy?: { replicas?: number | string };
}

/** "45s", "1m30s", "500ms" → milliseconds */
function durationMs(text: string | undefined): number {
  if (!text) return 0;
  let total = 0;
  for (const [, value, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|us|h|m|s)/g)) {
    total += Number(value) * { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 }[unit as 'h' | 'm' | 's' | 'ms' | 'us'];
  }
  return total;
}

function env(service: Service): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).filter(([, v]) => v !== null).map(([k, v]) => [k, String(v)]));
}

function volumeTargets(service: Service): string[] {
  return (service.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[1] : v.target));
}

function commandText(service: Service): string {
  return Array.isArray(service.command) ? service.command.join(' ') : service.command ?? '';
}

function healthcheckText(service: Service): string {
  const test = service.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : test ?? '';
}

describeCompose('docker/compose.yml, rendered by docker-compose config', () => {
  let services: Record<string, Service>;
  let volumes: Record<string, unknown>;

  beforeAll(() => {
    const rendered = composeConfig(REQUIRED_ENV);
    if (rendered.status !== 0) throw new Error(`docker-compose config exited ${rendered.status}:\n${rendered.stderr}`);
    const doc = yamlParser()(rendered.stdout) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
    services = doc.services;
    volumes = doc.volumes ?? {};
  });

  test('has exactly postgres, redis, migrate, api and worker, with named volumes for the data', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'migrate', 'postgres', 'redis', 'worker']);
    expect(Object.keys(volumes).sort()).toEqual(expect.arrayContaining(['postgres-data', 'redis-data']));
    expect(volumeTargets(services.postgres)).toContain('/var/lib/postgresql/data');
    expect(volumeTargets(services.redis)).toContain('/data');
  });

  test('the worker can be scaled: no container_name, no host ports, no host network', () => {
    const worker = services.worker;
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports ?? []).toEqual([]);
    expect(worker.network_mode).toBeUndefined();
    // a fixed, non-zero metrics port, so its healthcheck and Prometheus can reach it
    expect(env(worker).WORKER_METRICS_PORT).toBe('9464');
    expect(healthcheckText(worker)).toContain('127.0.0.1:9464/healthz');
    // one replica unless WORKER_REPLICAS (or --scale) says otherwise
    expect(Number(worker.scale ?? worker.deploy?.replicas ?? 1)).toBe(1);
  });

  test('WORKER_REPLICAS sets how many workers a plain `up` starts', () => {
    const rendered = composeConfig({ ...REQUIRED_ENV, WORKER_REPLICAS: '3' });
    expect(rendered.status).toBe(0);
    const worker = (yamlParser()(rendered.stdout) as { services: Record<string, Service> }).services.worker;
    expect(Number(worker.scale ?? worker.deploy?.replicas)).toBe(3);
  });

  test('Redis keeps every job: noeviction and append-only persistence, with a healthcheck', () => {
    const command = commandText(services.redis);
    expect(command).toMatch(/--maxmemory-policy noeviction\b/);
    expect(command).toMatch(/--appendonly yes\b/);
    expect(healthcheckText(services.redis)).toMatch(/redis-cli ping/);
  });

  test('Postgres has a pg_isready healthcheck and room for the connection pools', () => {
    expect(healthcheckText(services.postgres)).toMatch(/pg_isready/);
    const maxConnections = Number(/max_connections=(\d+)/.exec(commandText(services.postgres))?.[1] ?? 100);
    // API (20) + worker pools (10 each): 3 workers fit with room to spare
    expect(maxConnections).toBeGreaterThanOrEqual(20 + 3 * 10 + 10);
  });

  test('migrate runs once, after Postgres is healthy; api and worker start only after it succeeded', () => {
    expect(services.migrate.depends_on?.postgres?.condition).toBe('service_healthy');
    expect(services.migrate.restart ?? 'no').toBe('no');
    for (const name of ['api', 'worker']) {
      const deps = services[name].depends_on ?? {};
      expect({ name, migrate: deps.migrate?.condition }).toEqual({ name, migrate: 'service_completed_successfully' });
      expect({ name, redis: deps.redis?.condition, postgres: deps.postgres?.condition }).toEqual({ name, redis: 'service_healthy', postgres: 'service_healthy' });
      expect(services[name].restart).toMatch(/^(always|unless-stopped|on-failure)/);
    }
  });

  test('the API publishes port 3000 and reports healthy only when ready (/readyz)', () => {
    const api = services.api;
    const published = (api.ports ?? []).map((p) => (typeof p === 'string' ? p : JSON.stringify(p)));
    expect(published.some((p) => /"target":\s*"?3000"?|:3000$/.test(p))).toBe(true);
    expect(healthcheckText(api)).toContain('/readyz');
  });

  test('SIGTERM has time to finish in-flight deliveries before Docker kills a worker', () => {
    // the worker gives up after DELIVERY_TIMEOUT_MS + 15 s (apps/worker/src/main.ts), the API after 20 s
    const timeoutMs = Number(env(services.worker).DELIVERY_TIMEOUT_MS);
    expect(timeoutMs).toBeGreaterThan(0);
    expect(durationMs(services.worker.stop_grace_period)).toBeGreaterThan(timeoutMs + 15_000);
    expect(durationMs(services.api.stop_grace_period)).toBeGreaterThan(20_000);
  });

  test('each app service builds its own target of docker/Dockerfile, from the repo root', () => {
    const stages = dockerfileStages();
    for (const name of ['migrate', 'api', 'worker']) {
      const build = services[name].build;
      expect(build).toBeDefined();
      expect(path.resolve(build!.context)).toBe(path.resolve(ROOT));
      expect(path.resolve(build!.context, build!.dockerfile ?? 'Dockerfile')).toBe(DOCKERFILE);
      expect(build!.target).toBe(name);
      expect(stages).toContain(name);
    }
  });

  test('the environment given to api and worker is accepted by their own configuration loader', () => {
    const api = env(services.api);
    const worker = env(services.worker);
    expect(api.NODE_ENV).toBe('production');
    expect(worker.NODE_ENV).toBe('production');
    expect(api.ADMIN_API_KEY).toBe(REQUIRED_ENV.ADMIN_API_KEY);
    expect(worker.ADMIN_API_KEY).toBeUndefined();
    for (const e of [api, worker]) expect(e.SECRET_ENCRYPTION_KEY).toBe(REQUIRED_ENV.SECRET_ENCRYPTION_KEY);
    const apiConfig = loadConfig(api, { requireAdminKey: true });
    const workerConfig = loadConfig(worker);
    // both sides of the queues must agree
    expect(workerConfig.queuePrefix).toBe(apiConfig.queuePrefix);
    expect(workerConfig.databaseUrl).toBe(apiConfig.databaseUrl);
    expect(workerConfig.redisUrl).toBe('redis://redis:6379');
    expect(new URL(apiConfig.databaseUrl).host).toBe('postgres:5432');
    expect(env(services.migrate).DATABASE_URL).toBe(apiConfig.databaseUrl);
    expect(apiConfig.api.port).toBe(3000);
  });

  test('without ADMIN_API_KEY it fails, naming the variable', () => {
    const rendered = composeConfig({ SECRET_ENCRYPTION_KEY: REQUIRED_ENV.SECRET_ENCRYPTION_KEY });
    expect(rendered.status).not.toBe(0);
    expect(rendered.stderr).toMatch(/set ADMIN_API_KEY/);
  });

  test('without SECRET_ENCRYPTION_KEY (required with NODE_ENV=production) it fails, naming the variable', () => {
    const rendered = composeConfig({ ADMIN_API_KEY: REQUIRED_ENV.ADMIN_API_KEY });
    expect(rendered.status).not.toBe(0);
    expect(rendered.stderr).toMatch(/set SECRET_ENCRYPTION_KEY/);
  });

  test('docker/.env.example copied as is fails on the required variable; filled in, it renders', () => {
    const example = path.join(ROOT, 'docker', '.env.example');
    const asIs = composeConfig({}, example);
    expect(asIs.status).not.toBe(0);
    expect(asIs.stderr).toMatch(/set (ADMIN_API_KEY|SECRET_ENCRYPTION_KEY)/);

    const dir = mkdtempSync(path.join(tmpdir(), 'hookrelay-env-'));
    try {
      const filled = readFileSync(example, 'utf8')
        .replace(/^ADMIN_API_KEY=$/m, `ADMIN_API_KEY=${REQUIRED_ENV.ADMIN_API_KEY}`)
        .replace(/^SECRET_ENCRYPTION_KEY=$/m, `SECRET_ENCRYPTION_KEY=${REQUIRED_ENV.SECRET_ENCRYPTION_KEY}`);
      writeFileSync(path.join(dir, '.env'), filled);
      const rendered = composeConfig({}, path.join(dir, '.env'));
      expect({ status: rendered.status, stderr: rendered.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
      expect(rendered.stdout).toContain(REQUIRED_ENV.ADMIN_API_KEY);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------
// Dockerfile and .dockerignore, statically

interface Instruction {
  keyword: string;
  args: string;
}

function dockerfileInstructions(): Instruction[] {
  const logical = readFileSync(DOCKERFILE, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n');
  return logical
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

function dockerfileStages(): string[] {
  return dockerfileInstructions()
    .filter((i) => i.keyword === 'FROM')
    .map((i) => /\s+AS\s+(\S+)\s*$/i.exec(i.args)?.[1])
    .filter((name): name is string => Boolean(name));
}

/** Sources of every `COPY` from the build context (not `--from=`). */
function contextCopySources(): string[] {
  const sources: string[] = [];
  for (const { keyword, args } of dockerfileInstructions()) {
    if (keyword !== 'COPY' && keyword !== 'ADD') continue;
    const words = args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
    if (words.some((w) => w.startsWith('--from='))) continue;
    const paths = words.filter((w) => !w.startsWith('--'));
    sources.push(...paths.slice(0, -1));
  }
  return sources;
}

/** .dockerignore semantics (last matching rule wins; a matched directory excludes what is under it). */
function dockerignore(): (relativePath: string) => boolean {
  const rules = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = path.posix.normalize((negate ? line.slice(1) : line).replace(/^\/+/, '')).replace(/\/+$/, '');
      let re = '';
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i];
        if (c === '*' && pattern[i + 1] === '*') {
          i++;
          if (pattern[i + 1] === '/') {
            i++;
            re += '(?:.*/)?';
          } else {
            re += '.*';
          }
        } else if (c === '*') re += '[^/]*';
        else if (c === '?') re += '[^/]';
        else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
      return { negate, regex: new RegExp(`^${re}(?:/.*)?$`) };
    });
  return (relativePath) => {
    let ignored = false;
    for (const rule of rules) if (rule.regex.test(relativePath)) ignored = !rule.negate;
    return ignored;
  };
}

/** Every file under `dir` (relative to the repo root), skipping what the build produces itself. */
function sourceFiles(dir: string): string[] {
  const skip = new Set(['node_modules', 'dist', '.turbo', 'generated']);
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const child = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk(dir);
  return out;
}

function workspaceDirs(): string[] {
  return ['apps', 'packages'].flatMap((base) =>
    readdirSync(path.join(ROOT, base), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => `${base}/${e.name}`),
  );
}

describe('docker/Dockerfile against the repository', () => {
  test('has the stages compose builds, and the ones they are made from', () => {
    expect(dockerfileStages()).toEqual(expect.arrayContaining(['build', 'prod', 'runtime', 'migrate', 'api', 'worker']));
  });

  test('every COPY from the build context names a path that exists and that .dockerignore lets through', () => {
    const ignored = dockerignore();
    const sources = contextCopySources();
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      if (source === '.') continue;
      expect({ source, exists: existsSync(path.join(ROOT, source)) }).toEqual({ source, exists: true });
      expect({ source, ignored: ignored(source) }).toEqual({ source, ignored: false });
    }
  });

  test('the manifests copied before `pnpm install` cover every workspace package under apps/ and packages/', () => {
    const copied = contextCopySources()
      .filter((s) => /^(apps|packages)\/[^/]+\/package\.json$/.test(s))
      .map((s) => path.posix.dirname(s))
      .sort();
    expect(copied).toEqual(workspaceDirs().sort());
  });

  test('nothing the build needs is excluded from the context, and secrets and local builds are', () => {
    const ignored = dockerignore();
    const needed = [
      'package.json',
      'pnpm-lock.yaml',
      'pnpm-workspace.yaml',
      '.npmrc',
      'turbo.json',
      'tsconfig.base.json',
      'prisma.config.ts',
      ...sourceFiles('prisma'),
      ...workspaceDirs().flatMap((dir) => sourceFiles(dir)),
    ];
    expect(needed).toEqual(expect.arrayContaining(['prisma/schema.prisma', 'prisma/engine/schema-engine.mjs', 'packages/http/dashboard/index.html']));
    expect(needed.filter((file) => ignored(file))).toEqual([]);
    for (const file of ['.env', 'docker/.env', 'packages/db/.env', 'node_modules/x/index.js', 'packages/core/node_modules/joi/index.js', 'packages/core/dist/index.js', 'packages/db/src/generated/prisma/client.ts', '.git/HEAD']) {
      expect({ file, ignored: ignored(file) }).toEqual({ file, ignored: true });
    }
  });

  test('installs the pnpm version package.json pins, so pnpm does not switch versions mid-build', () => {
    const { packageManager } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { packageManager: string };
    const installed = /npm install -g (pnpm@\S+)/.exec(dockerfileInstructions().map((i) => i.args).join('\n'))?.[1];
    expect(installed).toBe(packageManager);
  });

  test('api and worker run the built entry points as a non-root user with NODE_ENV=production', () => {
    const instructions = dockerfileInstructions();
    const stageOf = (name: string) => {
      const start = instructions.findIndex((i) => i.keyword === 'FROM' && new RegExp(`\\s+AS\\s+${name}$`, 'i').test(i.args));
      const end = instructions.findIndex((i, index) => index > start && i.keyword === 'FROM');
      return { from: instructions[start].args.split(/\s+/)[0], body: instructions.slice(start + 1, end === -1 ? undefined : end) };
    };
    const runtime = stageOf('runtime');
    expect(runtime.body).toEqual(expect.arrayContaining([{ keyword: 'USER', args: 'node' }, { keyword: 'ENV', args: 'NODE_ENV=production' }]));
    for (const app of ['api', 'worker']) {
      const stage = stageOf(app);
      expect(stage.from).toBe('runtime');
      expect(stage.body.some((i) => i.keyword === 'USER' && i.args !== 'node')).toBe(false);
      const cmd = JSON.parse(stage.body.find((i) => i.keyword === 'CMD')!.args) as string[];
      // the image runs what `pnpm start:<app>` runs, Node flags included
      const script = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts[`start:${app}`];
      expect(cmd).toEqual(script.split(/\s+/));
      expect(cmd.at(-1)).toBe(`apps/${app}/dist/main.js`);
      // and so does the app's own `pnpm start`, from its folder
      const own = (JSON.parse(readFileSync(path.join(ROOT, 'apps', app, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
      expect(own).toBe(script.replace(`apps/${app}/`, ''));
      // dist/main.js is compiled from src/main.ts
      expect(existsSync(path.join(ROOT, 'apps', app, 'src', 'main.ts'))).toBe(true);
    }
  });

  test('migrate runs the Prisma CLI with the offline schema engine, as a non-root user', () => {
    const args = dockerfileInstructions().map((i) => `${i.keyword} ${i.args}`);
    const start = args.findIndex((a) => /^FROM \S+ AS migrate$/i.test(a));
    const body = args.slice(start + 1, args.findIndex((a, i) => i > start && a.startsWith('FROM ')));
    expect(body).toContain('USER node');
    const cmd = JSON.parse(body.find((a) => a.startsWith('CMD '))!.slice(4)) as string[];
    expect(cmd).toEqual(['node', 'node_modules/prisma/build/index.js', 'migrate', 'deploy']);
    expect(existsSync(path.join(ROOT, 'node_modules', 'prisma', 'build', 'index.js'))).toBe(true);
    // what the stage copies: the config that selects the stand-in engine, and the engine itself, executable
    expect(body).toEqual(expect.arrayContaining(['COPY --from=build /app/package.json /app/prisma.config.ts ./', 'COPY --from=build /app/prisma ./prisma']));
    expect(readFileSync(path.join(ROOT, 'prisma.config.ts'), 'utf8')).toContain("'engine', 'schema-engine.mjs'");
    expect(statSync(path.join(ROOT, 'prisma', 'engine', 'schema-engine.mjs')).mode & 0o111).not.toBe(0);
  });
});
