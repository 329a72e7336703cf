import { describe, expect, it } from 'vitest';
import { credentialOf, forwardable, forwardableRaw, toHeaderMap } from './http-util.js';
import { EDGE_STATUS, EdgeError, type EdgeErrorCode } from './error.js';
import { parseEdgeConfig } from './edge-config.js';

describe('toHeaderMap / forwardable', () => {
  it('joins repeated values and drops hop-by-hop headers and those named in Connection', () => {
    const h = toHeaderMap({ 'X-A': ['1', '2'], connection: 'keep-alive, x-secret-hop', 'x-secret-hop': 'v', te: 'trailers', host: 'h', 'content-type': 'text/plain' });
    expect(h['x-a']).toBe('1, 2');
    expect(forwardable(h)).toEqual({ host: 'h', 'content-type': 'text/plain', 'x-a': '1, 2' });
  });

  it('forwardableRaw keeps repeated lines, lower-cases names and drops hop-by-hop, Connection-named and listed headers', () => {
    const raw = ['Host', 'h', 'Set-Cookie', 'a=1', 'Connection', 'Keep-Alive, X-Secret-Hop', 'X-Secret-Hop', 'v', 'set-cookie', 'b=2', 'Transfer-Encoding', 'chunked', 'X-Plugway-User-Id', 'mallory'];
    expect(forwardableRaw(raw, new Set(['x-plugway-user-id']))).toEqual(['host', 'h', 'set-cookie', 'a=1', 'set-cookie', 'b=2']);
    expect(forwardableRaw([])).toEqual([]);
  });
});

describe('credentialOf', () => {
  it.each([
    [{ authorization: 'Bearer abc' }, { credential: 'abc', authType: 'bearer' }],
    [{ 'x-api-key': 'k' }, { credential: 'k', authType: 'api_key' }],
    [{ authorization: 'Basic Zm9v' }, { credential: '', authType: 'basic' }],
    [{}, { credential: '', authType: '' }],
  ])('%j → %j', (headers, expected) => {
    expect(credentialOf(headers as Record<string, string>)).toEqual(expected);
  });
});

describe('EdgeError', () => {
  it('has an EDGE_ code and an HTTP status for every code', () => {
    for (const code of Object.keys(EDGE_STATUS) as EdgeErrorCode[]) {
      const e = new EdgeError({ code, message: 'm' });
      expect(e.code.startsWith('EDGE_')).toBe(true);
      expect(e.name).toBe('EdgeError');
      expect(EDGE_STATUS[code]).toBeGreaterThanOrEqual(400);
    }
  });
});

describe('parseEdgeConfig', () => {
  it('accepts a minimal file and applies spec defaults', () => {
    const c = parseEdgeConfig(JSON.stringify({ upstream: 'http://127.0.0.1:9000', plugins: [{ id: 'a', name: 'A', slug: 'a', command: 'file:///opt/p', hookType: 'auth' }] }));
    expect(c.plugins[0]).toMatchObject({ isActive: true, config: {}, order: 0 });
  });
  it.each([
    ['not json', 'EDGE_CONFIG_INVALID'],
    [JSON.stringify({ upstream: 'ftp://x' }), 'EDGE_CONFIG_INVALID'],
    [JSON.stringify({ plugins: [{ id: 'a', name: 'A', slug: 'a', command: 'file:///p', hookType: 'auth' }, { id: 'a', name: 'B', slug: 'b', command: 'file:///p', hookType: 'auth' }] }), 'EDGE_CONFIG_INVALID'],
  ])('rejects %s', (text, code) => {
    expect(() => parseEdgeConfig(text)).toThrow(expect.objectContaining({ code }));
  });
});
