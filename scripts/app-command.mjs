// The command `pnpm start:api` / `pnpm start:worker` runs (root package.json),
// split into Node flags and entry point, so that `pnpm start` and the bench
// start the apps exactly as those scripts do (the Dockerfile test holds the
// Docker image to the same scripts).
import fs from 'node:fs';
import path from 'node:path';

export function appCommand(root, app) {
  const scripts = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts;
  const [node, ...args] = String(scripts[`start:${app}`] ?? '').split(/\s+/);
  const entry = args.at(-1);
  if (node !== 'node' || !entry?.endsWith('.js')) throw new Error(`package.json start:${app} is not "node [flags] <entry>.js"`);
  return { nodeFlags: args.slice(0, -1), entry: path.join(root, entry) };
}
