/**
 * A throwaway Redis Cluster of local `redis-server` processes on loopback
 * ports, in a temp dir of its own: three masters, no replicas, no
 * persistence. Formed with `redis-cli --cluster create` when redis-cli is
 * installed, else with CLUSTER ADDSLOTSRANGE / MEET sent from Node.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';

export const CLUSTER_SLOTS = 16384;

export interface LocalCluster {
  ports: number[];
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,...` */
  url: string;
  /** how the cluster was formed */
  formedWith: 'redis-cli' | 'node';
  /** a plain connection to each master, for inspecting keys */
  nodeClient(port: number): Redis;
  stop(): Promise<void>;
}

export interface LocalClusterOptions {
  masters?: number;
  /** form the cluster from Node even when redis-cli is installed (to cover that path) */
  formWith?: 'redis-cli' | 'node';
}

/** The absolute path of an executable on PATH, or null. */
export function findExecutable(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port whose cluster bus port (port + 10000) is free too. Both stay below
 * Linux's ephemeral range (32768-60999): a port found free there can be taken
 * by any outgoing connection before redis-server binds it.
 */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 2700);
    if (taken.has(port) || taken.has(port + 10000)) continue;
    if ((await portIsFree(port)) && (await portIsFree(port + 10000))) return port;
  }
  throw new Error('no free port pair for a cluster node');
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} exited ${code}: ${output}`))));
  });
}

async function waitFor(what: string, probe: () => Promise<boolean>, failure: () => string | undefined, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    const failed = failure();
    if (failed) throw new Error(failed);
    if (Date.now() > deadline) throw new Error(`redis cluster: ${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function client(port: number): Redis {
  const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
  redis.on('error', () => {}); // refused while the server starts; waitFor retries
  return redis;
}

/** Slots split evenly over the masters, then every node meets the first one. */
async function formFromNode(clients: Redis[], ports: number[]): Promise<void> {
  const per = Math.ceil(CLUSTER_SLOTS / clients.length);
  await Promise.all(clients.map((c, i) => c.call('CLUSTER', 'ADDSLOTSRANGE', String(i * per), String(Math.min(CLUSTER_SLOTS, (i + 1) * per) - 1))));
  await Promise.all(clients.slice(1).map((c) => c.call('CLUSTER', 'MEET', '127.0.0.1', String(ports[0]))));
}

export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const redisServer = findExecutable('redis-server');
  if (!redisServer) throw new Error('redis-server is not on PATH');
  const redisCli = findExecutable('redis-cli');
  const formedWith = options.formWith ?? (redisCli ? 'redis-cli' : 'node');
  const dir = await mkdtemp(join(tmpdir(), 'hookrelay-cluster-'));
  const processes: ChildProcess[] = [];
  const clients: Redis[] = [];
  const ports: number[] = [];

  const exitLogs: string[] = [];
  let stopping = false;
  // redis-server outlives a jest process that dies without running afterAll
  const failure = () => (exitLogs.length ? exitLogs.join('\n') : undefined);
  const killOnExit = () => {
    for (const child of processes) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async () => {
    stopping = true;
    process.off('exit', killOnExit);
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    await Promise.all(
      processes.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const force = setTimeout(() => child.kill('SIGKILL'), 5000);
            child.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const taken = new Set<number>();
    for (let i = 0; i < (options.masters ?? 3); i++) {
      const port = await freeClusterPort(taken);
      taken.add(port).add(port + 10000);
      ports.push(port);
      const child = spawn(
        redisServer,
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '5000',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      // kept for the error message should the server not come up
      let log = '';
      const keep = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-2000));
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      child.once('exit', (code) => {
        if (!stopping) exitLogs.push(`redis-server on ${port} exited ${code}: ${log}`);
      });
      processes.push(child);
      clients.push(client(port));
    }
    await Promise.all(
      clients.map((c, i) =>
        waitFor(
          `node ${ports[i]} answering`,
          async () => {
            if (c.status === 'wait' || c.status === 'end') await c.connect();
            return (await c.ping()) === 'PONG';
          },
          failure,
        ),
      ),
    );

    if (formedWith === 'redis-cli' && redisCli) {
      await run(redisCli, ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    } else {
      await formFromNode(clients, ports);
    }
    await Promise.all(
      clients.map((c, i) =>
        waitFor(
          `cluster_state:ok on ${ports[i]}`,
          async () => {
            const info = String(await c.call('CLUSTER', 'INFO'));
            return (
              info.includes('cluster_state:ok') &&
              info.includes(`cluster_known_nodes:${ports.length}`) &&
              info.includes(`cluster_slots_assigned:${CLUSTER_SLOTS}`)
            );
          },
          failure,
        ),
      ),
    );
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    ports,
    url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    formedWith,
    nodeClient(port) {
      const c = clients[ports.indexOf(port)];
      if (!c) throw new Error(`no node on port ${port}`);
      return c;
    },
    stop,
  };
}
