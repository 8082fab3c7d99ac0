// The webhook receiver (bench/receiver.mjs) runs in its own process; this is
// its remote control over IPC: reset (count only one path prefix from now
// on), stats (unique deliveries, first/last arrival) and latencies.
import path from 'node:path';
import { benchDir } from './options.mjs';
import { forkNode, waitMessage } from './processes.mjs';

let receiver;
let receiverPort;
let rpcSeq = 0;

export async function startReceiver() {
  receiver = forkNode('receiver', path.join(benchDir, 'receiver.mjs'), {});
  receiverPort = (await waitMessage(receiver, (m) => m?.ready, 10_000, 'receiver ready')).port;
  return receiverPort;
}

/** The receiver's port, started first when no receiver runs yet (the scale phase may run alone). */
export const ensureReceiver = async () => receiverPort ?? startReceiver();

/** The receiver's URL for a path, e.g. hook('/lat-1w/'). */
export const hook = (p) => `http://127.0.0.1:${receiverPort}${p}`;

function rpc(cmd, extra = {}) {
  const id = ++rpcSeq;
  receiver.send({ ...extra, cmd, id });
  return waitMessage(receiver, (m) => m && m.id === id, 10_000, `receiver ${cmd}`);
}
export const receiverStats = async () => (await rpc('stats')).stats;
/** From now on only deliveries whose path starts with `accept` count; the rest are strays. `groups`: path prefixes counted apart (stats.groups). */
export const receiverReset = (accept, groups = []) => rpc('reset', { accept, groups });
export const receiverLatencies = async () => (await rpc('latencies')).latencies;
