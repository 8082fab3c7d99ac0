// The tracing phase's "no_tracing" build: a copy of the built apps and
// packages (dist, package.json, dashboard assets and the node_modules links,
// no sources) in a directory of its own, with the four modules that hold
// Hookrelay's tracing replaced by the pass-through stubs beside this file.
// The copy's node_modules links resolve the workspace packages to the copy
// and every other package to the repository's own node_modules, so nothing
// else differs from the default build: same files, same Node flags.
//
// A copy rather than a module loader hook (node:module register()): in
// Node 20 a hook runs on a thread of its own for the process's life, which
// a build without tracing would not have. Two runs one minute apart, both
// variants as shipped side by side, delivered 617/s in all with such a hook
// in both processes and 859/s without: too few to call it a cost of the
// hook on this noisy machine, enough not to build the comparison on it.
//
// `stub: false` makes the same copy without the stubs (the phase's
// --tracing-aa control: any effect of running from a copy shows there).
import fs from 'node:fs';
import path from 'node:path';

/** Module of the build → its stub (exports the same names; a pass-through each). */
export const STUBS = {
  'packages/core/dist/tracing.js': 'core-tracing.mjs',
  'packages/core/dist/tracing-setup.js': 'core-tracing-setup.mjs',
  'packages/delivery/dist/delivery-tracing.js': 'delivery-delivery-tracing.mjs',
  'packages/ingest/dist/publish-tracing.js': 'ingest-publish-tracing.mjs',
};

/** Copies `root`'s built apps and packages into `dir` (replaced if it exists); returns the entry points there. */
export function buildWithoutTracing(root, dir, { stub = true } = {}) {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const group of ['apps', 'packages']) {
    for (const name of fs.readdirSync(path.join(root, group))) {
      const from = path.join(root, group, name);
      if (!fs.statSync(from).isDirectory()) continue;
      // sources, tests and build caches stay behind: only what runs is copied
      const skip = new Set(['src', 'coverage', '.turbo'].map((d) => path.join(from, d)));
      fs.cpSync(from, path.join(dir, group, name), { recursive: true, verbatimSymlinks: true, filter: (p) => !skip.has(p) && !p.endsWith('.tsbuildinfo') });
    }
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  if (stub) for (const [file, stubFile] of Object.entries(STUBS)) fs.copyFileSync(new URL(stubFile, import.meta.url), path.join(dir, file));
  return { api: path.join(dir, 'apps/api/dist/main.js'), worker: path.join(dir, 'apps/worker/dist/main.js') };
}
