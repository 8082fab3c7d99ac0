#!/usr/bin/env node
// Runs the API and one worker side by side (what `pnpm start` ends with), with
// their output interleaved, and stops both when either exits or on Ctrl-C.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appCommand } from './app-command.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// what `pnpm start:api` / `start:worker` run, Node flags included
const children = ['api', 'worker'].map((name) => {
  const { nodeFlags, entry } = appCommand(root, name);
  return spawn(process.execPath, [...nodeFlags, entry], { cwd: root, stdio: 'inherit', env: process.env });
});

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
