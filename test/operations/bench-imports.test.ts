/**
 * The bench loads built packages by path (`packages/<name>/dist/…`), which
 * neither the type checker nor the linter follows: a package renamed or
 * split left bench/partitioning.mjs failing after a 30-minute seed. Every
 * such path named in bench/ must be a built file that exports what the
 * bench destructures from it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '../..');

function benchFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'results' ? [] : benchFiles(full);
    return e.name.endsWith('.mjs') ? [full] : [];
  });
}

/** `const { a, b } = await <loader>('packages/x/dist/y.js')…` and bare mentions of such paths */
function loads(text: string): { file: string; names: string[] }[] {
  const found: { file: string; names: string[] }[] = [];
  for (const m of text.matchAll(/(?:const \{([^}]*)\} = await [^\n]*?)?'(packages\/[a-z-]+\/dist\/[A-Za-z0-9/.-]+\.js)'/g)) {
    const names = (m[1] ?? '')
      .split(',')
      .map((n) => n.trim().split(':')[0]!.trim())
      .filter(Boolean);
    found.push({ file: m[2]!, names });
  }
  return found;
}

test('every built module the bench loads by path exists and exports the names it takes', async () => {
  const problems: string[] = [];
  let checked = 0;
  for (const file of benchFiles(path.join(root, 'bench'))) {
    for (const { file: target, names } of loads(fs.readFileSync(file, 'utf8'))) {
      checked++;
      const where = `${path.relative(root, file)} -> ${target}`;
      const full = path.join(root, target);
      if (!fs.existsSync(full)) {
        problems.push(`${where}: no such file`);
        continue;
      }
      const mod = await import(pathToFileURL(full).href);
      for (const name of names) if (!(name in mod)) problems.push(`${where}: no export ${name}`);
    }
  }
  expect(checked).toBeGreaterThan(5);
  expect(problems).toEqual([]);
});
