import { endpointHeaders, staticAuthorization } from './endpoint-headers.js';

const signed = {
  'content-type': 'application/json',
  'user-agent': 'Hookrelay/0.1',
  'webhook-id': 'n1',
  'webhook-timestamp': '1',
  'webhook-signature': 'v1,abc',
};

test('stored headers never override the signed ones: reserved and invalid names are dropped, signed headers win', () => {
  // as if stored before validation existed (or written to the database by hand)
  const stored: [string, string][] = [
    ['X-Api-Key', 'k'],
    ['Content-Type', 'text/plain'],
    ['WEBHOOK-SIGNATURE', 'v1,forged'],
    ['Host', 'internal'],
    ['Authorization', 'Basic x'],
    ['Bad Name', 'v'],
    ['__proto__', 'p'],
    ['X-Split\r\nX-Injected', 'v'],
  ];
  const headers = endpointHeaders(stored, 'Bearer t', signed);
  expect(headers).toEqual({ 'X-Api-Key': 'k', authorization: 'Bearer t', ...signed });
  expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
});

test('Basic and bearer Authorization values; OAuth2 needs a token first', () => {
  expect(staticAuthorization({ type: 'basic', username: 'user', password: 'pä:ss' })).toBe(`Basic ${Buffer.from('user:pä:ss', 'utf8').toString('base64')}`);
  expect(staticAuthorization({ type: 'bearer', token: 'abc' })).toBe('Bearer abc');
  expect(staticAuthorization({ type: 'oauth2_client_credentials', token_url: 'https://a/t', client_id: 'c', client_secret: 's' })).toBeNull();
});
