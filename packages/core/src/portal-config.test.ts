import { loadConfig } from './config.js';

const base = { ADMIN_API_KEY: 'admin-key-123' };

describe('portal configuration', () => {
  test('defaults: links from the request origin, no framing', () => {
    expect(loadConfig(base).portal).toEqual({ publicBaseUrl: null, frameAncestors: [] });
    expect(loadConfig({ ...base, PUBLIC_BASE_URL: '', PORTAL_FRAME_ANCESTORS: '' }).portal).toEqual({ publicBaseUrl: null, frameAncestors: [] });
  });

  test('PUBLIC_BASE_URL loses its trailing slash; PORTAL_FRAME_ANCESTORS splits on spaces', () => {
    const { portal } = loadConfig({
      ...base,
      PUBLIC_BASE_URL: 'https://hooks.example.com/',
      PORTAL_FRAME_ANCESTORS: " https://a.example.com 'self'  http://localhost:8080 https://*.b.example ",
    });
    expect(portal).toEqual({
      publicBaseUrl: 'https://hooks.example.com',
      frameAncestors: ['https://a.example.com', "'self'", 'http://localhost:8080', 'https://*.b.example'],
    });
  });

  test.each([
    ['PUBLIC_BASE_URL', 'hooks.example.com'],
    ['PUBLIC_BASE_URL', 'ftp://hooks.example.com'],
    ['PORTAL_FRAME_ANCESTORS', 'https://a.example.com/path'],
    ['PORTAL_FRAME_ANCESTORS', "'none' https://a.example.com"],
    ['PORTAL_FRAME_ANCESTORS', 'https://a.example.com; script-src *'],
    ['PORTAL_FRAME_ANCESTORS', '*'],
  ])('%s=%s stops the start with a message naming it', (name, value) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(new RegExp(`^Invalid configuration: ${name}: `));
  });
});
