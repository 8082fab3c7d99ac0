/**
 * A TCP proxy on 127.0.0.1:<random port> forwarding to a target (Postgres by
 * default), for fault tests: `pause()` destroys every open connection and
 * refuses new ones (accepted, then closed at once) until `resume()`.
 */
import { createConnection, createServer, type Server, type Socket, type AddressInfo } from 'node:net';

export interface TcpProxy {
  /** the port clients connect to */
  port: number;
  /** rewrites a URL (postgresql://…@host:port/db) to go through the proxy */
  proxied(url: string): string;
  readonly paused: boolean;
  /** connections accepted so far (refused ones included) */
  readonly accepted: number;
  /** connections refused while paused */
  readonly refused: number;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host?: string; port?: number } = {}): Promise<TcpProxy> {
  const host = target.host ?? '127.0.0.1';
  const targetPort = target.port ?? 5432;
  const sockets = new Set<Socket>();
  let paused = false;
  let accepted = 0;
  let refused = 0;

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // a reset is part of the game here; never let it become an uncaught error
    socket.on('error', () => undefined);
  };

  const server: Server = createServer((client) => {
    accepted++;
    track(client);
    if (paused) {
      refused++;
      client.destroy();
      return;
    }
    const upstream = createConnection({ host, port: targetPort });
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    port,
    proxied(url: string) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    get paused() {
      return paused;
    },
    get accepted() {
      return accepted;
    },
    get refused() {
      return refused;
    },
    pause() {
      paused = true;
      for (const socket of sockets) socket.destroy();
    },
    resume() {
      paused = false;
    },
    async close() {
      paused = true;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
