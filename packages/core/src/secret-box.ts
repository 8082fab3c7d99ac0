/**
 * Webhook signing secrets at rest: AES-256-GCM with a key derived (scrypt)
 * from SECRET_ENCRYPTION_KEY, stored as `enc:v1:<iv>:<tag>:<ciphertext>`
 * (base64 parts). Without a key values are stored as they are; values stored
 * before encryption was turned on (no prefix) stay readable.
 *
 * Rotating the key: run with the new SECRET_ENCRYPTION_KEY and the old one as
 * SECRET_ENCRYPTION_KEY_PREVIOUS (values sealed with either open; new ones
 * are sealed with the new key), re-seal the stored secrets (`pnpm
 * secrets:rekey`), then drop the previous key.
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

function deriveKey(passphrase: string): Buffer {
  return scryptSync(passphrase, KEY_SALT, 32);
}

export class SecretBox {
  private readonly key: Buffer | null;
  /** keys that still open values sealed before a rotation */
  private readonly previousKeys: Buffer[];
  private readonly opened = new Map<string, string>();

  /**
   * `passphrase` undefined: secrets are stored in plain text (development
   * only). `previous`: passphrases of earlier keys, tried when the current
   * one does not open a value.
   */
  constructor(passphrase: string | undefined, previous: readonly string[] = []) {
    if (previous.length && !passphrase) throw new SecretDecryptionError('a previous secret key is given without a current one');
    this.key = passphrase ? deriveKey(passphrase) : null;
    this.previousKeys = previous.map(deriveKey);
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
    const secret = this.openWithAnyKey(stored);
    if (this.opened.size >= OPENED_CACHE_SIZE) this.opened.clear();
    this.opened.set(stored, secret);
    return secret;
  }

  /**
   * True when `stored` is what this box would store now: sealed with the
   * current key, or plain text while there is no key. Anything else is due
   * for re-sealing after a key rotation (or after encryption was turned on).
   */
  isCurrent(stored: string): boolean {
    if (!this.key) return !isEncryptedSecret(stored);
    return isEncryptedSecret(stored) && this.decrypt(this.key, stored) !== null;
  }

  private openWithAnyKey(stored: string): string {
    for (const key of [this.key!, ...this.previousKeys]) {
      const secret = this.decrypt(key, stored);
      if (secret !== null) return secret;
    }
    throw new SecretDecryptionError(
      this.previousKeys.length
        ? 'a webhook secret cannot be decrypted with SECRET_ENCRYPTION_KEY nor SECRET_ENCRYPTION_KEY_PREVIOUS'
        : 'a webhook secret cannot be decrypted: SECRET_ENCRYPTION_KEY differs from the one it was stored with',
    );
  }

  /** The plain secret, or null when `key` is not the one it was sealed with. */
  private decrypt(key: Buffer, stored: string): string | null {
    const [iv, tag, ciphertext] = stored.slice(ENCRYPTED_SECRET_PREFIX.length).split(':');
    if (!iv || !tag || ciphertext === undefined) throw new SecretDecryptionError('a stored webhook secret is malformed');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }

  /** A record with its `secret` / `previousSecret` decrypted. */
  reveal<T extends { secret: string; previousSecret: string | null }>(record: T): T {
    return { ...record, secret: this.open(record.secret), previousSecret: this.open(record.previousSecret) };
  }
}
