// CPU accounting from /proc: per process group (api, workers, floors,
// receiver, express, bench-loadgen, postgres, redis) and the whole machine,
// so that `other` (other users of the machine) shows up in every phase.
import fs from 'node:fs';
import { children } from './processes.mjs';

const CLK_TCK = 100;

function readStat(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    const comm = s.slice(s.indexOf('(') + 1, close);
    const f = s.slice(close + 2).split(' ');
    return { comm, ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return null;
  }
}

function machineTicks() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + (f[4] ?? 0);
  return f.slice(0, 8).reduce((a, b) => a + b, 0) - idle;
}

export function cpuSnapshot() {
  const names = new Map([[process.pid, 'bench-loadgen']]);
  for (const c of children) if (c.pid) names.set(c.pid, c.benchName.replace(/-\d+$/, 's'));
  const out = {};
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const st = readStat(pid);
    if (!st) continue;
    let name = names.get(pid);
    if (!name && st.comm.startsWith('postgres')) name = 'postgres';
    if (!name && st.comm.startsWith('redis-server')) name = 'redis';
    if (!name) continue;
    out[pid] = { name, ticks: st.ticks };
  }
  return { at: performance.now(), pids: out, machine: machineTicks() };
}

/** CPU used between two snapshots, in cores (1.0 = one full core). */
export function cpuDelta(a, b) {
  const secs = (b.at - a.at) / 1000;
  // per process, so that Postgres backends that come and go do not skew the sums
  const ticks = { 'machine-busy': b.machine - a.machine };
  for (const [pid, { name, ticks: t }] of Object.entries(b.pids)) {
    const before = a.pids[pid]?.name === name ? a.pids[pid].ticks : 0;
    ticks[name] = (ticks[name] ?? 0) + (t - before);
  }
  const out = {};
  for (const [k, v] of Object.entries(ticks)) {
    const used = v / CLK_TCK / secs;
    if (used > 0.005) out[k] = Math.round(used * 100) / 100;
  }
  // what the rest of the machine (other users' builds/tests) took meanwhile
  const ours = Object.entries(out)
    .filter(([k]) => k !== 'machine-busy')
    .reduce((a, [, v]) => a + v, 0);
  out.other = Math.max(0, Math.round(((out['machine-busy'] ?? 0) - ours) * 100) / 100);
  return out;
}

/** CPU of the system under test (everything but other users' processes), in cores. */
export const ourCores = (cpu) =>
  Object.entries(cpu)
    .filter(([k]) => k !== 'machine-busy' && k !== 'other')
    .reduce((a, [, v]) => a + v, 0);

/** CPU ms one process group spent per unit of work. */
export const cpuMsPer = (cores, perS) => (cores && perS ? Math.round((cores / perS) * 1000 * 100) / 100 : null);
