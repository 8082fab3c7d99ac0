// Applies prisma/migrations to a database: `prisma migrate deploy` with
// DATABASE_URL set. Used by the test harness to migrate a freshly created
// per-run database; the database is created if it does not exist.
//
//   import { migrateDatabase } from '<repo>/prisma/migrate.mjs'
//   await migrateDatabase('postgresql://postgres@127.0.0.1:5432/hookrelay_test_123')
//
// Independent of the caller's working directory: the CLI is the repo's own
// node_modules/.bin/prisma, run from the repo root so that it picks up
// prisma.config.ts (which also selects the offline schema engine).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const prismaBin = path.join(repoRoot, 'node_modules', '.bin', process.platform === 'win32' ? 'prisma.cmd' : 'prisma');

/**
 * Runs `prisma migrate deploy` against `databaseUrl`.
 * Resolves with the CLI output; rejects with an Error whose message contains
 * the full output (stdout + stderr) when the command fails.
 * @param {string} databaseUrl
 * @returns {Promise<string>}
 */
export function migrateDatabase(databaseUrl) {
  if (!databaseUrl) return Promise.reject(new Error('migrateDatabase: databaseUrl is required'));
  return new Promise((resolve, reject) => {
    const child = spawn(prismaBin, ['migrate', 'deploy'], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: databaseUrl, NO_COLOR: '1', CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
    });
    // stdout and stderr in arrival order, so an error reads in context.
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not start ${prismaBin}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const output = Buffer.concat(chunks).toString('utf8').trim();
      if (code === 0) resolve(output);
      else reject(new Error(`prisma migrate deploy failed (${signal ? `signal ${signal}` : `exit code ${code}`}):\n${output}`));
    });
  });
}
