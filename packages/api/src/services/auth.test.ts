import { ForbiddenError, UnauthorizedError } from '@hookrelay/core';
import type { ApiKeysRepository } from '@hookrelay/db';
import { AuthService, actingTenant, generateApiKey, hashApiKey, lookupTenant, type Principal } from './auth.js';

const admin: Principal = { isAdmin: true, tenant: null, keyId: null };
const acme: Principal = { isAdmin: false, tenant: 'acme', keyId: 'k1' };

test('acting tenant: admin picks (default "default"), tenant keys only their own', () => {
  expect(actingTenant(admin, undefined)).toBe('default');
  expect(actingTenant(admin, 'x')).toBe('x');
  expect(actingTenant(acme, undefined)).toBe('acme');
  expect(actingTenant(acme, 'acme')).toBe('acme');
  expect(() => actingTenant(acme, 'other')).toThrow(ForbiddenError);
  expect(lookupTenant(admin, undefined)).toBeNull();
  expect(lookupTenant(acme, undefined)).toBe('acme');
});

test('keys: hr_ + 32 random bytes, hashed with sha256', () => {
  const key = generateApiKey();
  expect(key).toMatch(/^hr_[A-Za-z0-9_-]{43}$/);
  expect(generateApiKey()).not.toBe(key);
  expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
  expect(hashApiKey(key)).not.toContain(key);
});

describe('AuthService', () => {
  const key = generateApiKey();
  const repo = {
    findActiveByHash: async (hash: string) => (hash === hashApiKey(key) ? { id: 'k1', tenantId: 'acme' } : null),
  } as unknown as ApiKeysRepository;
  const auth = new AuthService({ adminApiKey: 'admin-secret', apiKeys: repo });

  test('admin and tenant keys', async () => {
    await expect(auth.authenticate('Bearer admin-secret')).resolves.toEqual(admin);
    await expect(auth.authenticate(`bearer ${key}`)).resolves.toEqual(acme);
  });

  test.each([undefined, '', 'Bearer', 'Basic abc', 'Bearer admin-secre', 'Bearer hr_unknown', `Bearer ${key} extra`])('rejects %p', async (header) => {
    await expect(auth.authenticate(header)).rejects.toBeInstanceOf(UnauthorizedError);
  });
});
