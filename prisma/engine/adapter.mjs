// The driver adapter the wasm schema engine talks to PostgreSQL through:
// @prisma/adapter-pg with two patches, and a factory with working shadow
// databases.
import { randomUUID } from 'node:crypto';
import { quoteIdent, wipeDatabase, withDatabase, withMaintenanceClient } from './pg-admin.mjs';

export async function loadAdapterPieces() {
  const { PrismaPg } = await import('@prisma/adapter-pg');
  const { bindMigrationAwareSqlAdapterFactory } = await import('@prisma/driver-adapter-utils');
  return { PrismaPg, bindMigrationAwareSqlAdapterFactory };
}

// adapter-pg cannot decode Postgres `"char"` (oid 18) columns, which the
// engine's introspection queries return (pg_class.relkind, ...): `migrate
// dev` would fail with UnsupportedNativeDataType. The values are already
// plain strings, so we relabel those columns as text (oid 25) after the
// query and before adapter-pg maps column types. `name` (oid 19) is treated
// the same way for safety. Patched once on adapter-pg's shared query class so
// that pooled queries and transactions are both covered.
const TEXT_OID = 25;
const RELABEL_AS_TEXT = new Set([18, 19]);
function patchCharColumns(adapter) {
  const queryableProto = Object.getPrototypeOf(Object.getPrototypeOf(adapter));
  if (queryableProto.__hookrelayCharPatch) return;
  const performIO = queryableProto.performIO;
  queryableProto.performIO = async function (query) {
    const result = await performIO.call(this, query);
    for (const field of result?.fields ?? []) {
      if (RELABEL_AS_TEXT.has(field.dataTypeID)) field.dataTypeID = TEXT_OID;
    }
    return result;
  };
  queryableProto.__hookrelayCharPatch = true;
}

// adapter-pg splits scripts on ";" and runs each piece separately, which
// breaks statements containing ";" (function bodies, string literals). The
// native engine sends a migration script as one simple-protocol query; do
// the same (pg uses the simple protocol when there are no parameters).
function patchExecuteScript(adapter) {
  const client = adapter.underlyingDriver();
  adapter.executeScript = async function (script) {
    try {
      await client.query(script);
    } catch (error) {
      this.onError(error);
    }
  };
}

function pgOptionsFor(url) {
  // Honour `?schema=` like the native engine does.
  const schema = new URL(url).searchParams.get('schema');
  return schema ? { schema } : undefined;
}

async function connectAdapter(PrismaPg, url, onDispose) {
  const adapter = await new PrismaPg({ connectionString: url }, pgOptionsFor(url)).connect();
  patchCharColumns(adapter);
  patchExecuteScript(adapter);
  if (onDispose) {
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await onDispose();
    };
  }
  return adapter;
}

// Our own factory instead of PrismaPg's: its connectToShadowDb creates a
// shadow database but then connects with the same connection string, i.e.
// to the main database (the connection string wins over `database`). Here a
// temporary `prisma_shadow_<uuid>` database is created, used, and dropped
// WITH (FORCE) on dispose; or the configured shadowDatabaseUrl is wiped and
// used, like the native engine does.
export function createAdapterFactory({ PrismaPg, bindMigrationAwareSqlAdapterFactory }, datasource) {
  const url = datasource?.url;
  const factory = {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    async connect() {
      if (!url) throw new Error('No datasource url: set DATABASE_URL (see prisma.config.ts)');
      return connectAdapter(PrismaPg, url);
    },
    async connectToShadowDb() {
      if (datasource?.shadowDatabaseUrl) {
        await wipeDatabase(datasource.shadowDatabaseUrl);
        return connectAdapter(PrismaPg, datasource.shadowDatabaseUrl);
      }
      if (!url) throw new Error('No datasource url to create a shadow database on');
      const name = `prisma_shadow_${randomUUID().replace(/-/g, '')}`;
      await withMaintenanceClient(url, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
      return connectAdapter(PrismaPg, withDatabase(url, name), () =>
        withMaintenanceClient(url, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)),
      );
    },
  };
  return bindMigrationAwareSqlAdapterFactory(factory);
}
