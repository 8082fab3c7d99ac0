/**
 * `pnpm secrets:rekey` (in the image: `node apps/worker/dist/rekey-secrets.js`):
 * re-seals every stored webhook secret with SECRET_ENCRYPTION_KEY, opening
 * them with it or with SECRET_ENCRYPTION_KEY_PREVIOUS. Prints a JSON report;
 * exits 1 when some secret could not be opened with either key.
 */
import { createLogger, loadConfigOrExit, SecretBox } from '@hookrelay/core';
import { createDatabase } from '@hookrelay/db';
import { rekeyWebhookSecrets } from '@hookrelay/worker';

const config = loadConfigOrExit(process.env);
const logger = createLogger({ level: config.logLevel, name: 'rekey-secrets' });
if (!config.secretEncryptionKey) {
  console.error('SECRET_ENCRYPTION_KEY is not set: there is no key to seal the secrets with');
  process.exit(1);
}
const database = createDatabase({ url: config.databaseUrl, poolSize: 2, logger });
try {
  const report = await rekeyWebhookSecrets(database.prisma, new SecretBox(config.secretEncryptionKey, config.previousSecretEncryptionKeys));
  console.log(JSON.stringify(report));
  if (report.unreadable.length) {
    console.error(`${report.unreadable.length} webhook secret(s) open with neither SECRET_ENCRYPTION_KEY nor SECRET_ENCRYPTION_KEY_PREVIOUS`);
    process.exitCode = 1;
  }
} finally {
  await database.close();
}
