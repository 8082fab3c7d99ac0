/** Opaque cursor tokens for keyset pagination over (created_at, id). */
import { ValidationError } from './errors.js';

export interface Cursor {
  createdAt: Date;
  id: string;
}

export function encodePageToken(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.id])).toString('base64url');
}

export function decodePageToken(token: string | undefined): Cursor | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const [iso, id] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as [unknown, unknown];
    const createdAt = new Date(String(iso));
    if (typeof iso !== 'string' || typeof id !== 'string' || Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/i.test(id)) {
      throw new Error('bad token');
    }
    return { createdAt, id };
  } catch {
    throw new ValidationError('Invalid page_token', [{ field: 'page_token', message: '"page_token" is not a valid page token' }]);
  }
}
