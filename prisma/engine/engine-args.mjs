// Command-line arguments of the schema-engine stand-in, as the Prisma CLI
// passes them to the native engine, and the engines hash it reports.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function parseArgs(argv) {
  const args = { datamodels: [], datasource: undefined, version: false, cli: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--datamodels') args.datamodels.push(argv[++i]);
    else if (arg === '--datasource') args.datasource = JSON.parse(argv[++i]);
    else if (arg === '--version' || arg === '-V') args.version = true;
    else if (arg === 'cli') args.cli = argv[++i];
    // --enabled-preview-features / --extension-types take a value we ignore.
    else if (arg === '--enabled-preview-features' || arg === '--extension-types') i++;
  }
  return args;
}

// The engines commit the CLI was built against (what the native binary
// reports for --version); found through prisma -> @prisma/engines.
export function enginesHash() {
  try {
    const requireFromPrisma = createRequire(require.resolve('prisma/package.json'));
    const requireFromEngines = createRequire(requireFromPrisma.resolve('@prisma/engines/package.json'));
    return requireFromEngines('@prisma/engines-version/package.json').prisma.enginesVersion;
  } catch {
    return 'unknown';
  }
}
