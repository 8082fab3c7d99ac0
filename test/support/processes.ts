/**
 * The built apps (apps/worker/dist/main.js, apps/api/dist/main.js) as child
 * processes, for fault tests that kill or signal them. Run `pnpm build`
 * first. Their JSON log lines are kept (`logs`) and can be waited for.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { testDatabaseUrl, testRedisUrl } from './env.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface LogLine {
  level?: number;
  msg?: string;
  [key: string]: unknown;
}

export interface AppProcess {
  kind: 'worker' | 'api';
  child: ChildProcess;
  pid: number;
  logs: LogLine[];
  /** stderr and non-JSON stdout */
  rawOutput: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly running: boolean;
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL if still running, then wait for the exit */
  kill(): Promise<void>;
  /** the last lines of output, for failure messages */
  tail(lines?: number): string;
}

export function appPath(kind: 'worker' | 'api'): string {
  return `${ROOT}apps/${kind}/dist/main.js`;
}

export function spawnApp(kind: 'worker' | 'api', env: Record<string, string>): AppProcess {
  const script = appPath(kind);
  if (!existsSync(script)) throw new Error(`${script} is missing: run pnpm build first`);
  const child = spawn(process.execPath, [script], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'test',
      DATABASE_URL: testDatabaseUrl(),
      REDIS_URL: testRedisUrl(),
      ALLOW_PRIVATE_DESTINATIONS: 'true',
      WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const rawOutput: string[] = [];
  const waiters = new Set<() => void>();
  let running = true;

  const lines = (stream: NodeJS.ReadableStream | null, raw: boolean) => {
    let buffered = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts) {
        if (!part.trim()) continue;
        let parsed: LogLine | undefined;
        if (!raw) {
          try {
            parsed = JSON.parse(part) as LogLine;
          } catch {
            parsed = undefined;
          }
        }
        if (parsed) logs.push(parsed);
        else rawOutput.push(part);
      }
      for (const w of waiters) w();
    });
  };
  lines(child.stdout, false);
  lines(child.stderr, true);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      for (const w of waiters) w();
      resolve({ code, signal });
    });
  });

  const tail = (n = 30) => [...logs.slice(-n).map((l) => JSON.stringify(l)), ...rawOutput.slice(-n)].join('\n');

  return {
    kind,
    child,
    pid: child.pid ?? -1,
    logs,
    rawOutput,
    exited,
    get running() {
      return running;
    },
    waitForLog(predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = logs.find(predicate);
          if (found) {
            done();
            resolve(found);
          } else if (!running) {
            done();
            reject(new Error(`${kind} exited before the expected log line\n${tail()}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${kind}: expected log line not seen within ${timeoutMs} ms\n${tail()}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    signal(signal) {
      if (running) child.kill(signal);
    },
    async kill() {
      if (running) child.kill('SIGKILL');
      await exited;
    },
    tail,
  };
}

/** A worker process, resolved once it logged "worker ready". */
export async function startWorkerProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<AppProcess> {
  const worker = spawnApp('worker', env);
  try {
    await worker.waitForLog((l) => l.msg === 'worker ready', timeoutMs);
  } catch (error) {
    await worker.kill();
    throw error;
  }
  return worker;
}

/** An API process on a random port, resolved with its URL once it listens. */
export async function startApiProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<{ app: AppProcess; url: string }> {
  const app = spawnApp('api', { PORT: '0', ...env });
  try {
    const line = await app.waitForLog((l) => l.msg === 'api listening', timeoutMs);
    return { app, url: `http://127.0.0.1:${String(line.port)}` };
  } catch (error) {
    await app.kill();
    throw error;
  }
}
