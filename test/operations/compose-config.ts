/**
 * docker/compose.yml as `docker-compose config` renders it (docker-compose
 * 1.29 here; a Compose v2 `docker-compose` works too), and readers of the
 * rendered services.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../support/dockerfile.js';
import { yamlModule } from '../support/kustomize.js';

const COMPOSE_FILE = path.join(ROOT, 'docker', 'compose.yml');
export const REQUIRED_ENV = { ADMIN_API_KEY: 'compose-test-admin-key', SECRET_ENCRYPTION_KEY: 'compose-test-secret-key-0123456789' };

export const composeAvailable = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;

/** `yaml`, reached through the dependencies that bring it; nothing is added to package.json. */
export const parseYaml = (text: string): unknown => yamlModule(ROOT).parse(text);

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
export function composeConfig(vars: Record<string, string>, envFile?: string): Rendered {
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

export interface Service {
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
export function durationMs(text: string | undefined): number {
  if (!text) return 0;
  let total = 0;
  for (const [, value, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|us|h|m|s)/g)) {
    total += Number(value) * { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 }[unit as 'h' | 'm' | 's' | 'ms' | 'us'];
  }
  return total;
}

export function env(service: Service): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {})
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, String(v)]),
  );
}

export function volumeTargets(service: Service): string[] {
  return (service.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[1] : v.target));
}

export function commandText(service: Service): string {
  return Array.isArray(service.command) ? service.command.join(' ') : (service.command ?? '');
}

export function healthcheckText(service: Service): string {
  const test = service.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
}
