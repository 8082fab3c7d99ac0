/**
 * docker/compose.yml, checked without a Docker engine: `docker-compose
 * config` validates and renders the compose file, and the rendered services
 * are checked for what `docker compose up --scale worker=3` relies on. The
 * Dockerfile and .dockerignore are checked in dockerfile.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@hookrelay/core';
import { DOCKERFILE, dockerfileStages, ROOT } from '../support/dockerfile.js';
import {
  commandText,
  composeAvailable,
  composeConfig,
  durationMs,
  env,
  healthcheckText,
  parseYaml,
  REQUIRED_ENV,
  volumeTargets,
  type Service,
} from './compose-config.js';

if (!composeAvailable) {
  console.warn(
    'test/operations/compose.test.ts: docker-compose is not installed, so docker/compose.yml is not rendered; the Dockerfile checks are in dockerfile.test.ts',
  );
}
const describeCompose = composeAvailable ? describe : describe.skip;

describeCompose('docker/compose.yml, rendered by docker-compose config', () => {
  let services: Record<string, Service>;
  let volumes: Record<string, unknown>;

  beforeAll(() => {
    const rendered = composeConfig(REQUIRED_ENV);
    if (rendered.status !== 0) throw new Error(`docker-compose config exited ${rendered.status}:\n${rendered.stderr}`);
    const doc = parseYaml(rendered.stdout) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
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
    const worker = (parseYaml(rendered.stdout) as { services: Record<string, Service> }).services.worker;
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
      expect({ name, redis: deps.redis?.condition, postgres: deps.postgres?.condition }).toEqual({
        name,
        redis: 'service_healthy',
        postgres: 'service_healthy',
      });
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
