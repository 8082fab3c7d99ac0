#!/usr/bin/env node
// Runs the API and one worker side by side (what `pnpm start` ends with), with
// their output interleaved, and stops both when either exits or on Ctrl-C.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// the same V8 flag as `pnpm start:api` / `start:worker` and the Docker image: a
// larger young generation, so the per-request garbage is collected less often
const NODE_FLAGS = ['--max-semi-space-size=64'];
const children = ['api', 'worker'].map((name) =>
  spawn(process.execPath, [...NODE_FLAGS, path.join(root, 'apps', name, 'dist', 'main.js')], { cwd: root, stdio: 'inherit', env: process.env }),
);

let exiting = false;
function stopAll(code) {
  if (exiting) return;
  exiting = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r))))).then(() => process.exit(code));
}
for (const child of children) child.on('exit', (code) => stopAll(code ?? 1));
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
