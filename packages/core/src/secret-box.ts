/**
 * Webhook signing secrets at rest: AES-256-GCM with a key derived (scrypt)
 * from SECRET_ENCRYPTION_KEY, stored as `enc:v1:<iv>:<tag>:<ciphertext>`
 * (base64 parts). Without a key values are stored as they are; values stored
 * before encryption was turned on (no prefix) stay readable.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';

export const ENCRYPTED_SECRET_PREFIX = 'enc:v1:';
const KEY_SALT = 'hookrelay/webhook-secrets/v1';
const IV_BYTES = 12;

export class SecretDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretDecryptionError';
  }
}

export function isEncryptedSecret(stored: string): boolean {
  return stored.startsWith(ENCRYPTED_SECRET_PREFIX);
}

/** Decrypted secrets kept per stored value; every delivery opens its webhook's secret. */
const OPENED_CACHE_SIZE = 10_000;

export class SecretBox {
  private readonly key: Buffer | null;
  private readonly opened = new Map<string, string>();

  /** `passphrase` undefined: secrets are stored in plain text (development only). */
  constructor(passphrase: string | undefined) {
    this.key = passphrase ? scryptSync(passphrase, KEY_SALT, 32) : null;
  }

  get encrypts(): boolean {
    return this.key !== null;
  }

  /** What to store for `secret`. */
  seal(secret: string): string {
    if (!this.key) return secret;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return `${ENCRYPTED_SECRET_PREFIX}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ciphertext.toString('base64')}`;
  }

  /** The secret behind a stored value; plain (legacy) values are returned as they are. */
  open(stored: string): string;
  open(stored: string | null): string | null;
  open(stored: string | null): string | null {
    if (stored === null || !isEncryptedSecret(stored)) return stored;
    if (!this.key) throw new SecretDecryptionError('a webhook secret is encrypted but SECRET_ENCRYPTION_KEY is not set');
    const cached = this.opened.get(stored);
    if (cached !== undefined) return cached;
    const secret = this.decrypt(this.key, stored);
    if (this.opened.size >= OPENED_CACHE_SIZE) this.opened.clear();
    this.opened.set(stored, secret);
    return secret;
  }

  private decrypt(key: Buffer, stored: string): string {
    const [iv, tag, ciphertext] = stored.slice(ENCRYPTED_SECRET_PREFIX.length).split(':');
    if (!iv || !tag || ciphertext === undefined) throw new SecretDecryptionError('a stored webhook secret is malformed');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError('a webhook secret cannot be decrypted: SECRET_ENCRYPTION_KEY differs from the one it was stored with');
    }
  }

  /** A record with its `secret` / `previousSecret` decrypted. */
  reveal<T extends { secret: string; previousSecret: string | null }>(record: T): T {
    return { ...record, secret: this.open(record.secret), previousSecret: this.open(record.previousSecret) };
  }
}
