// Prisma CLI configuration (Prisma 7). Paths are relative to this file.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'prisma/config';

const rootDir = path.dirname(fileURLToPath(import.meta.url));

// Prisma's native schema-engine is downloaded from Prisma's own host, which
// air-gapped machines cannot reach. Unless the user points
// PRISMA_SCHEMA_ENGINE_BINARY elsewhere, use our stand-in: it runs the
// WebAssembly engine shipped in the `prisma` npm package (see the comments in
// prisma/engine/schema-engine.mjs).
process.env.PRISMA_SCHEMA_ENGINE_BINARY ||= path.join(rootDir, 'prisma', 'engine', 'schema-engine.mjs');

export default defineConfig({
  schema: path.join(rootDir, 'prisma', 'schema.prisma'),
  migrations: {
    path: path.join(rootDir, 'prisma', 'migrations'),
  },
  datasource: {
    url: process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/hookrelay',
  },
});
