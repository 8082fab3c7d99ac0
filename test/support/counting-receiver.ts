/**
 * A real HTTP receiver that records, per request, when it arrived and which
 * notification it carries, and counts how many requests are open at once
 * (max concurrency, what an in-flight cap bounds). `hang` leaves requests
 * unanswered until the client gives up.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Arrival {
  notificationId: string;
  receivedAt: number;
  body: Record<string, unknown>;
}

export interface CountingReceiver {
  url: string;
  arrivals: Arrival[];
  maxConcurrent(): number;
  open(): number;
  resetMax(): void;
  /** per request: reply after `delayMs` with `status`, or never (`hang`) */
  behave(next: (arrival: Arrival) => { delayMs?: number; status?: number; hang?: boolean }): void;
  close(): Promise<void>;
}

export async function startCountingReceiver(initial: { delayMs?: number; status?: number; hang?: boolean } = {}): Promise<CountingReceiver> {
  const arrivals: Arrival[] = [];
  let open = 0;
  let max = 0;
  let behave: Parameters<CountingReceiver['behave']>[0] = () => initial;
  const server: Server = createServer((req, res) => {
    open++;
    max = Math.max(max, open);
    let closed = false;
    const done = () => {
      if (!closed) open--;
      closed = true;
    };
    res.on('close', done);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        // not JSON
      }
      const arrival = { notificationId: String(req.headers['webhook-id']), receivedAt: Date.now(), body };
      arrivals.push(arrival);
      const reply = behave(arrival);
      if (reply.hang) return;
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(reply.status ?? 200, { 'content-type': 'text/plain' });
        res.end('ok');
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    arrivals,
    maxConcurrent: () => max,
    open: () => open,
    resetMax: () => (max = open),
    behave(next) {
      behave = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
