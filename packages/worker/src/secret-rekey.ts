/**
 * Re-seals every stored webhook signing secret, header value and auth
 * secret (password, token, client_secret) with the current
 * SECRET_ENCRYPTION_KEY after a rotation (or after encryption was turned on
 * for secrets stored in plain text). Values are opened with the current or a
 * previous key; what is sealed with the current key already is left alone,
 * so running it twice, or while the API creates and rotates secrets, is safe.
 */
import { resealEndpointSettings, type SecretBox } from '@hookrelay/core';
import { WebhookSecretsRepository, type Db } from '@hookrelay/db';

const PAGE = 500;

export interface RekeyReport {
  /** webhooks looked at (deleted ones included) */
  webhooks: number;
  /** re-sealed with the current key */
  resealed: number;
  /** sealed with the current key already */
  current: number;
  /** changed by someone else between read and write (they sealed with their key): looked at again on the next run */
  changedMeanwhile: number;
  /** ids whose secret no configured key opens */
  unreadable: string[];
}

export async function rekeyWebhookSecrets(db: Db, box: SecretBox): Promise<RekeyReport> {
  const secrets = new WebhookSecretsRepository(db);
  const report: RekeyReport = { webhooks: 0, resealed: 0, current: 0, changedMeanwhile: 0, unreadable: [] };
  const reseal = (stored: string | null) => (stored === null || box.isCurrent(stored) ? stored : box.seal(box.open(stored)));
  let after: string | null = null;
  for (;;) {
    const page = await secrets.page(after, PAGE);
    for (const row of page) {
      report.webhooks++;
      let next: Omit<typeof row, 'id'>;
      try {
        next = { secret: reseal(row.secret)!, previousSecret: reseal(row.previousSecret), ...resealEndpointSettings(row, (v) => reseal(v)!) };
      } catch {
        report.unreadable.push(row.id);
        continue;
      }
      // reseal returns a value under the current key as it is (and resealEndpointSettings the same objects)
      if (next.secret === row.secret && next.previousSecret === row.previousSecret && next.headers === row.headers && next.auth === row.auth) report.current++;
      else if (await secrets.replace(row, next)) report.resealed++;
      else report.changedMeanwhile++;
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.id;
  }
  return report;
}
