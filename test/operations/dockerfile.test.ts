/**
 * docker/Dockerfile and .dockerignore, read statically against the
 * repository as it is (no Docker engine): what the build copies exists and
 * is not ignored, the stages run what `pnpm start:<app>` runs, and migrate
 * runs the offline schema engine.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { contextCopySources, dockerfileInstructions, dockerfileStages, dockerignore, dockerStage, ROOT } from '../support/dockerfile.js';

/** Every file under `dir` (relative to the repo root), skipping what the build produces itself. */
function sourceFiles(dir: string): string[] {
  const skip = new Set(['node_modules', 'dist', '.turbo', 'generated']);
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const child = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk(dir);
  return out;
}

function workspaceDirs(): string[] {
  return ['apps', 'packages'].flatMap((base) =>
    readdirSync(path.join(ROOT, base), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => `${base}/${e.name}`),
  );
}

describe('docker/Dockerfile against the repository', () => {
  test('has the stages compose builds, and the ones they are made from', () => {
    expect(dockerfileStages()).toEqual(expect.arrayContaining(['build', 'prod', 'runtime', 'migrate', 'api', 'worker']));
  });

  test('every COPY from the build context names a path that exists and that .dockerignore lets through', () => {
    const ignored = dockerignore();
    const sources = contextCopySources();
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      if (source === '.') continue;
      expect({ source, exists: existsSync(path.join(ROOT, source)) }).toEqual({ source, exists: true });
      expect({ source, ignored: ignored(source) }).toEqual({ source, ignored: false });
    }
  });

  test('the manifests copied before `pnpm install` cover every workspace package under apps/ and packages/', () => {
    const copied = contextCopySources()
      .filter((s) => /^(apps|packages)\/[^/]+\/package\.json$/.test(s))
      .map((s) => path.posix.dirname(s))
      .sort();
    expect(copied).toEqual(workspaceDirs().sort());
  });

  test('nothing the build needs is excluded from the context, and secrets and local builds are', () => {
    const ignored = dockerignore();
    const needed = [
      'package.json',
      'pnpm-lock.yaml',
      'pnpm-workspace.yaml',
      '.npmrc',
      'turbo.json',
      'tsconfig.base.json',
      'prisma.config.ts',
      ...sourceFiles('prisma'),
      ...workspaceDirs().flatMap((dir) => sourceFiles(dir)),
    ];
    expect(needed).toEqual(expect.arrayContaining(['prisma/schema.prisma', 'prisma/engine/schema-engine.mjs', 'packages/api/dashboard/index.html']));
    expect(needed.filter((file) => ignored(file))).toEqual([]);
    for (const file of [
      '.env',
      'docker/.env',
      'packages/db/.env',
      'node_modules/x/index.js',
      'packages/core/node_modules/joi/index.js',
      'packages/core/dist/index.js',
      'packages/db/src/generated/prisma/client.ts',
      '.git/HEAD',
    ]) {
      expect({ file, ignored: ignored(file) }).toEqual({ file, ignored: true });
    }
  });

  test('installs the pnpm version package.json pins, so pnpm does not switch versions mid-build', () => {
    const { packageManager } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { packageManager: string };
    const installed = /npm install -g (pnpm@\S+)/.exec(
      dockerfileInstructions()
        .map((i) => i.args)
        .join('\n'),
    )?.[1];
    expect(installed).toBe(packageManager);
  });

  test('api and worker run the built entry points as a non-root user with NODE_ENV=production', () => {
    const runtime = dockerStage('runtime');
    expect(runtime.body).toEqual(
      expect.arrayContaining([
        { keyword: 'USER', args: 'node' },
        { keyword: 'ENV', args: 'NODE_ENV=production' },
      ]),
    );
    for (const app of ['api', 'worker']) {
      const stage = dockerStage(app);
      expect(stage.from).toBe('runtime');
      expect(stage.body.some((i) => i.keyword === 'USER' && i.args !== 'node')).toBe(false);
      const cmd = JSON.parse(stage.body.find((i) => i.keyword === 'CMD')!.args) as string[];
      // the image runs what `pnpm start:<app>` runs, Node flags included
      const script = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts[`start:${app}`];
      expect(cmd).toEqual(script.split(/\s+/));
      expect(cmd.at(-1)).toBe(`apps/${app}/dist/main.js`);
      // and so does the app's own `pnpm start`, from its folder
      const own = (JSON.parse(readFileSync(path.join(ROOT, 'apps', app, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
      expect(own).toBe(script.replace(`apps/${app}/`, ''));
      // dist/main.js is compiled from src/main.ts
      expect(existsSync(path.join(ROOT, 'apps', app, 'src', 'main.ts'))).toBe(true);
    }
  });

  test('migrate runs the Prisma CLI with the offline schema engine, as a non-root user', () => {
    const args = dockerfileInstructions().map((i) => `${i.keyword} ${i.args}`);
    const start = args.findIndex((a) => /^FROM \S+ AS migrate$/i.test(a));
    const body = args.slice(
      start + 1,
      args.findIndex((a, i) => i > start && a.startsWith('FROM ')),
    );
    expect(body).toContain('USER node');
    const cmd = JSON.parse(body.find((a) => a.startsWith('CMD '))!.slice(4)) as string[];
    expect(cmd).toEqual(['node', 'node_modules/prisma/build/index.js', 'migrate', 'deploy']);
    expect(existsSync(path.join(ROOT, 'node_modules', 'prisma', 'build', 'index.js'))).toBe(true);
    // what the stage copies: the config that selects the stand-in engine, and the engine itself, executable
    expect(body).toEqual(expect.arrayContaining(['COPY --from=build /app/package.json /app/prisma.config.ts ./', 'COPY --from=build /app/prisma ./prisma']));
    expect(readFileSync(path.join(ROOT, 'prisma.config.ts'), 'utf8')).toContain("'engine', 'schema-engine.mjs'");
    expect(statSync(path.join(ROOT, 'prisma', 'engine', 'schema-engine.mjs')).mode & 0o111).not.toBe(0);
  });
});
