import { HEADER_VALUE_MASK } from './endpoint-schemas.js';
import { authView, maskedHeaders, openAuth, openHeaders, resealEndpointSettings, sealAuth, sealHeaders } from './endpoint-settings.js';
import { ValidationError } from './errors.js';
import { SecretBox } from './secret-box.js';

const box = new SecretBox('endpoint-settings-unit-key-0123456789');

test('header values are sealed one by one, names stay readable; reads mask them in alphabetical order', () => {
  const stored = sealHeaders({ 'X-B': 'two', 'x-a': 'one' }, box)!;
  expect(Object.keys(stored)).toEqual(['X-B', 'x-a']);
  for (const value of Object.values(stored)) expect(value).toMatch(/^enc:v1:/);
  expect(openHeaders(stored, box)).toEqual([
    ['X-B', 'two'],
    ['x-a', 'one'],
  ]);
  expect(Object.entries(maskedHeaders(stored))).toEqual([
    ['x-a', HEADER_VALUE_MASK],
    ['X-B', HEADER_VALUE_MASK],
  ]);
  expect(sealHeaders(null, box)).toBeNull();
  expect(sealHeaders({}, box)).toBeNull();
  expect(maskedHeaders(null)).toEqual({});
});

test('the mask keeps the stored value of that name (any case); for an unknown name it is a 400', () => {
  const stored = sealHeaders({ 'X-Key': 'secret' }, box)!;
  const kept = sealHeaders({ 'x-key': HEADER_VALUE_MASK, 'X-New': 'n' }, box, stored)!;
  expect(kept['x-key']).toBe(stored['X-Key']);
  expect(() => sealHeaders({ 'X-Other': HEADER_VALUE_MASK }, box, stored)).toThrow(ValidationError);
});

test('auth: only the secret field is sealed; reads never show it; malformed or foreign types count as none', () => {
  const basic = sealAuth({ type: 'basic', username: 'u', password: 'pw' }, box)!;
  expect(basic).toMatchObject({ type: 'basic', username: 'u', password: expect.stringMatching(/^enc:v1:/) });
  expect(openAuth(basic, box)).toEqual({ type: 'basic', username: 'u', password: 'pw' });
  expect(authView(basic)).toEqual({ type: 'basic', username: 'u' });
  const oauth = sealAuth({ type: 'oauth2_client_credentials', token_url: 'https://a/t', client_id: 'c', client_secret: 'cs', scope: 's' }, box)!;
  expect(authView(oauth)).toEqual({ type: 'oauth2_client_credentials', token_url: 'https://a/t', client_id: 'c', scope: 's' });
  expect(authView(sealAuth({ type: 'bearer', token: 't' }, box))).toEqual({ type: 'bearer' });
  for (const junk of [null, 'x', [], {}, { type: 'toString' }, { type: '__proto__' }]) {
    expect(authView(junk)).toBeNull();
    expect(openAuth(junk, box)).toBeNull();
  }
});

test('resealing changes only what is not current, and returns the same objects otherwise', () => {
  const old = new SecretBox('old-endpoint-settings-key-0123456789');
  const stored = { headers: sealHeaders({ 'X-A': 'a' }, old), auth: sealAuth({ type: 'bearer', token: 't' }, old) };
  const rotated = new SecretBox('new-endpoint-settings-key-0123456789', ['old-endpoint-settings-key-0123456789']);
  const reseal = (v: string) => (rotated.isCurrent(v) ? v : rotated.seal(rotated.open(v)));
  const next = resealEndpointSettings(stored, reseal);
  expect(next.headers).not.toBe(stored.headers);
  expect(openHeaders(next.headers, rotated)).toEqual([['X-A', 'a']]);
  expect(openAuth(next.auth, rotated)).toEqual({ type: 'bearer', token: 't' });
  const again = resealEndpointSettings(next, reseal);
  expect(again.headers).toBe(next.headers);
  expect(again.auth).toBe(next.auth);
  expect(resealEndpointSettings({ headers: null, auth: null }, reseal)).toEqual({ headers: null, auth: null });
});
