import { describe, expect, it } from 'vitest';
import { parseWwwAuthenticate } from './challenge.js';

describe('parseWwwAuthenticate', () => {
  it.each([
    ['Bearer realm="https://auth.example/token",service="registry.example",scope="repository:org/app:pull,push"',
      [{ scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:org/app:pull,push' } }]],
    ['Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
    ['bearer   Realm = "r" , Service=svc', [{ scheme: 'bearer', params: { realm: 'r', service: 'svc' } }]],
    ['Basic realm="a, b", Bearer realm="https://t/x",service="s"',
      [{ scheme: 'basic', params: { realm: 'a, b' } }, { scheme: 'bearer', params: { realm: 'https://t/x', service: 's' } }]],
    ['Bearer realm="q\\"uote",error="insufficient_scope"', [{ scheme: 'bearer', params: { realm: 'q"uote', error: 'insufficient_scope' } }]],
    ['Negotiate abc123==, Basic realm="x"', [{ scheme: 'negotiate', params: {}, token68: 'abc123==' }, { scheme: 'basic', params: { realm: 'x' } }]],
    ['Bearer', [{ scheme: 'bearer', params: {} }]],
    ['', []],
    ['Bearer realm="unterminated', [{ scheme: 'bearer', params: { realm: 'unterminated' } }]],
    [',,, Bearer ,realm="x"', [{ scheme: 'bearer', params: { realm: 'x' } }]],
  ])('parses %s', (header, want) => {
    expect(parseWwwAuthenticate(header)).toEqual(want);
  });
  it('keeps the first of duplicate parameters', () => {
    expect(parseWwwAuthenticate('Bearer realm="a",realm="b"')[0]?.params['realm']).toBe('a');
  });
});
