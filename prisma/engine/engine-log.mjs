// Logging of the schema-engine stand-in: the Prisma CLI reads stderr line
// by line as JSON; ERROR lines become the error message it shows when the
// engine exits unexpectedly.

export function log(level, message, extra = {}) {
  process.stderr.write(
    JSON.stringify({
      timestamp: new Date().toISOString(),
      level,
      target: 'schema_engine::logger',
      fields: { message, ...extra },
    }) + '\n',
  );
}
