import { ForbiddenError, UnauthorizedError } from '@hookrelay/core';
import type { ApiKeysRepository, PortalSessionsRepository } from '@hookrelay/db';
import { AUTH_CACHE_TTL_MS, AuthService, actingTenant, generateApiKey, hashApiKey, lookupTenant, type Principal } from './auth.js';

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

describe('AuthService cache', () => {
  function rig() {
    const key = generateApiKey();
    const portalToken = 'hrp_portal-token';
    const state = { now: 1_000_000, keyActive: true, lookups: 0, portalExpiresAt: new Date(1_000_000 + 5 * AUTH_CACHE_TTL_MS) };
    const apiKeys = {
      findActiveByHash: async (hash: string) => {
        state.lookups++;
        return state.keyActive && hash === hashApiKey(key) ? { id: 'k1', tenantId: 'acme' } : null;
      },
    } as unknown as ApiKeysRepository;
    const portalSessions = {
      findActiveByHash: async (hash: string, now = new Date(state.now)) => {
        state.lookups++;
        return hash === hashApiKey(portalToken) && state.portalExpiresAt > now
          ? { id: 's1', tenantId: 'acme', readOnly: true, expiresAt: state.portalExpiresAt }
          : null;
      },
    } as unknown as PortalSessionsRepository;
    const auth = new AuthService({ adminApiKey: 'admin-secret', apiKeys, portalSessions, now: () => state.now });
    return { auth, key, portalToken, state };
  }

  test('a resolved key is not looked up again within the TTL; a key revoked elsewhere is refused after it', async () => {
    const { auth, key, state } = rig();
    await expect(auth.authenticate(`Bearer ${key}`)).resolves.toEqual(acme);
    state.keyActive = false;
    state.now += AUTH_CACHE_TTL_MS - 1;
    await expect(auth.authenticate(`Bearer ${key}`)).resolves.toEqual(acme);
    expect(state.lookups).toBe(1);
    state.now += 1;
    await expect(auth.authenticate(`Bearer ${key}`)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  test('a key revoked here is refused at once; refusals are not remembered', async () => {
    const { auth, key, state } = rig();
    await auth.authenticate(`Bearer ${key}`);
    state.keyActive = false;
    auth.forgetKey('k1');
    await expect(auth.authenticate(`Bearer ${key}`)).rejects.toBeInstanceOf(UnauthorizedError);
    state.keyActive = true;
    await expect(auth.authenticate(`Bearer ${key}`)).resolves.toEqual(acme);
  });

  test('a portal token is never trusted past its expiry', async () => {
    const { auth, portalToken, state } = rig();
    state.portalExpiresAt = new Date(state.now + AUTH_CACHE_TTL_MS / 2);
    await expect(auth.authenticate(`Bearer ${portalToken}`)).resolves.toMatchObject({ tenant: 'acme', portal: { readOnly: true } });
    state.now += AUTH_CACHE_TTL_MS / 2;
    await expect(auth.authenticate(`Bearer ${portalToken}`)).rejects.toBeInstanceOf(UnauthorizedError);
  });
});
