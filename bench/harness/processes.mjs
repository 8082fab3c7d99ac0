// Child processes: every process the bench starts is tracked here, so that
// CPU accounting can name it and cleanup can stop it. The API and the
// workers start as `pnpm start:api` / `start:worker` run them, Node flags
// included; scripts forked by the bench (receiver, floor workers, bare
// Express) get the workers' flags, so the comparison stays fair.
import { fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { appCommand } from '../../scripts/app-command.mjs';
import {
  ADMIN_API_KEY,
  CONCURRENCY,
  DATABASE_URL,
  PROFILE,
  QUEUE_PREFIX,
  REDIS_URL,
  SECRET_ENCRYPTION_KEY,
  log,
  logsDir,
  resultsDir,
  root,
} from './options.mjs';
import { request, setApiPort } from './http-client.mjs';

/** Every live child process; `benchName` names it in logs and CPU figures. */
export const children = new Set();

export const API_COMMAND = appCommand(root, 'api');
export const WORKER_COMMAND = appCommand(root, 'worker');

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function logFd(name) {
  fs.mkdirSync(logsDir, { recursive: true });
  return fs.openSync(path.join(logsDir, `${name}.log`), 'w');
}

function track(child, name) {
  child.benchName = name;
  children.add(child);
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.exited.then(() => children.delete(child));
  return child;
}

export function startNode(name, script, env, nodeArgs = []) {
  const fd = logFd(name);
  const child = spawn(process.execPath, [...nodeArgs, script], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  return track(child, name);
}

/** A bench script with an IPC channel (receiver, floor worker, bare Express). */
export function forkNode(name, script, env) {
  const fd = logFd(name);
  const child = fork(script, [], { cwd: root, env: { ...process.env, ...env }, execArgv: WORKER_COMMAND.nodeFlags, stdio: ['ignore', fd, fd, 'ipc'] });
  fs.closeSync(fd);
  return track(child, name);
}

export async function stopChild(child, timeoutMs = 20_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await child.exited;
  clearTimeout(t);
}

export function waitMessage(child, pred, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => done(new Error(`timeout waiting for ${what}`)), timeoutMs);
    const onMsg = (m) => pred(m) && done(null, m);
    const onExit = (code) => done(new Error(`${child.benchName} exited (${code}) while waiting for ${what}; see bench/results/logs/${child.benchName}.log`));
    function done(err, m) {
      clearTimeout(t);
      child.off('message', onMsg);
      child.off('exit', onExit);
      err ? reject(err) : resolve(m);
    }
    child.on('message', onMsg);
    child.on('exit', onExit);
  });
}

export const profArgs = (name) =>
  PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.join(resultsDir, 'profiles')}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : [];

/**
 * The API. `main` (the run's API) becomes the target of `api()`; another one
 * (the tracing phase's variants) is reached with `request(child.port, …)`.
 * `entry` replaces the app's entry point (the tracing phase's other build).
 */
export async function startApi({ name = 'api', entry = API_COMMAND.entry, main = true } = {}) {
  const port = await freePort();
  if (main) setApiPort(port);
  const child = startNode(
    name,
    entry,
    {
      DATABASE_URL,
      REDIS_URL,
      QUEUE_PREFIX,
      PORT: String(port),
      ADMIN_API_KEY,
      ALLOW_PRIVATE_DESTINATIONS: 'true',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      SECRET_ENCRYPTION_KEY,
    },
    [...API_COMMAND.nodeFlags, ...profArgs(name)],
  );
  child.port = port;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`API exited (${child.exitCode}); see bench/results/logs/${name}.log`);
    const r = await request(port, 'GET', '/readyz').catch(() => null);
    if (r?.status === 200) return child;
    await sleep(200);
  }
  throw new Error(`API not ready after 30 s; see bench/results/logs/${name}.log`);
}

/**
 * N Hookrelay worker processes; `env` overrides their environment (e.g.
 * DELIVERY_TIMEOUT_MS, QUEUE_PREFIX), `entry` replaces the app's entry
 * point (the tracing phase's other build), `name` names their logs and CPU
 * group (`worker-0` → `workers`).
 */
export async function startWorkers(n, tag, env = {}, { entry = WORKER_COMMAND.entry, name = 'worker' } = {}) {
  const procs = [];
  for (let i = 0; i < n; i++) {
    procs.push(
      startNode(
        `${name}-${i}`,
        entry,
        {
          DATABASE_URL,
          REDIS_URL,
          QUEUE_PREFIX,
          WORKER_CONCURRENCY: String(CONCURRENCY),
          ALLOW_PRIVATE_DESTINATIONS: 'true',
          LOG_LEVEL: 'warn',
          NODE_ENV: 'production',
          SECRET_ENCRYPTION_KEY,
          DELIVERY_TIMEOUT_MS: '15000',
          RECONCILE_INTERVAL_MS: '600000',
          WORKER_METRICS_PORT: String(await freePort()),
          ...env,
        },
        [...WORKER_COMMAND.nodeFlags, ...profArgs(`worker-${tag}-${i}`)],
      ),
    );
  }
  // ready = every process registered its BullMQ workers in Redis
  const q = new Queue('deliveries', { connection: { url: REDIS_URL }, prefix: env.QUEUE_PREFIX ?? QUEUE_PREFIX });
  const deadline = Date.now() + 30_000;
  try {
    while (Date.now() < deadline) {
      for (const p of procs) if (p.exitCode !== null) throw new Error(`${p.benchName} exited (${p.exitCode}); see bench/results/logs/${p.benchName}.log`);
      if ((await q.getWorkersCount()) >= n) break;
      await sleep(200);
    }
    if (Date.now() >= deadline) log('warning: workers did not register within 30 s; continuing');
  } finally {
    await q.close();
  }
  await sleep(500);
  return procs;
}

export const stopWorkers = (procs) => Promise.all(procs.map((p) => stopChild(p)));
