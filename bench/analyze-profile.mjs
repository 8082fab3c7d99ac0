// Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. `pnpm bench --profile`):
// self time by function and by package, and inclusive time of a few frames.
//   node bench/analyze-profile.mjs bench/results/profiles/worker-1w-0-*.cpuprofile [--top=25]
import fs from 'node:fs';

const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const top = Number((process.argv.find((a) => a.startsWith('--top=')) ?? '--top=25').slice(6));
if (!files.length) {
  console.error('usage: node bench/analyze-profile.mjs <file.cpuprofile>... [--top=N]');
  process.exit(1);
}

function pkgOf(url) {
  if (!url) return '(native/vm)';
  const m = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  const ws = /\/(packages|apps)\/([^/]+)\//.exec(url);
  if (ws) return `@hookrelay/${ws[2]}`;
  if (url.startsWith('node:')) return 'node-core';
  return url.replace(/^file:\/\//, '');
}

for (const file of files) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = prof.timeDeltas[i] ?? 0;
    self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + dt);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFn = new Map();
  const byPkg = new Map();
  let idle = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    const cf = n.callFrame;
    if (cf.functionName === '(idle)') idle += us;
    const key = `${cf.functionName || '(anonymous)'} ${pkgOf(cf.url)}:${cf.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    const pkg = cf.functionName.startsWith('(') ? cf.functionName : pkgOf(cf.url);
    byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us) => `${((100 * us) / busy).toFixed(1)}%`.padStart(7);
  console.log(
    `\n== ${file}\n   ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${((100 * busy) / total).toFixed(0)}%); shares below are of busy time`,
  );
  console.log('-- self time by package');
  for (const [k, v] of [...byPkg]
    .filter(([k]) => k !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15))
    console.log(`${pct(v)}  ${k}`);
  console.log('-- self time by function');
  for (const [k, v] of [...byFn]
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top))
    console.log(`${pct(v)}  ${k}`);
  // inclusive time per package entry point
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map();
  for (const [id, us] of self) {
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur).callFrame;
      const p = pkgOf(cf.url);
      if (!seen.has(p)) {
        seen.add(p);
        incl.set(p, (incl.get(p) ?? 0) + us);
      }
    }
  }
  console.log('-- inclusive time by package (any frame of it on the stack)');
  for (const [k, v] of [...incl]
    .filter(([k]) => !k.startsWith('('))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15))
    console.log(`${pct(v)}  ${k}`);
}
