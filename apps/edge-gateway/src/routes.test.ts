import { describe, expect, it } from 'vitest';
import { parseEdgeConfig } from './edge-config.js';
import { RouteTable, routeSchema } from './routes.js';

const table = (routes: unknown[]) => new RouteTable(routes.map((r) => routeSchema.parse(r)));

describe('RouteTable', () => {
  const t = table([
    { id: 'admin', match: { pathPrefix: '/admin', methods: ['post', 'PUT'] }, plugins: ['audit'] },
    { id: 'gpt', match: { llm: 'gpt-4o' }, plugins: ['quota', 'audit'] },
    { id: 'api-host', match: { host: 'API.example.com' }, plugins: [] },
    { id: 'v1', match: { pathPrefix: '/v1/' }, plugins: ['quota'] },
  ]);

  it.each([
    ['POST', undefined, '/admin', 'admin'],
    ['POST', undefined, '/admin/users?x=1', 'admin'],
    ['POST', undefined, '/admin?x=1', 'admin'],
    ['GET', undefined, '/admin', undefined],                           // method not listed
    ['POST', undefined, '/administrator', undefined],                  // prefixes match whole segments
    ['POST', undefined, '/llm/rest/gpt-4o/v1/chat/completions', 'gpt'],
    ['GET', undefined, '/llm/stream/gpt-4o', 'gpt'],
    ['GET', undefined, '/llm/rest/gpt-4o-mini/v1', undefined],
    ['GET', 'api.example.com:8080', '/anything', 'api-host'],
    ['GET', 'API.EXAMPLE.COM', '/anything', 'api-host'],
    ['GET', 'other.example.com', '/v1/x', 'v1'],
    ['GET', 'api.example.com', '/v1/x', 'api-host'],                   // the first matching route wins
    ['GET', '[::1]:80', '/', undefined],
  ])('%s %s %s → %s', (method, host, path, want) => {
    expect(t.routeId(t.match(method, host, path))).toBe(want);
  });

  it('runs global plugins everywhere and routed plugins only on their routes', () => {
    const admin = t.match('POST', undefined, '/admin');
    const none = t.match('GET', undefined, '/elsewhere');
    expect(none).toBe(-1);
    expect(t.runs('global-auth', admin)).toBe(true);
    expect(t.runs('global-auth', none)).toBe(true);
    expect(t.runs('audit', admin)).toBe(true);
    expect(t.runs('quota', admin)).toBe(false);
    expect(t.runs('audit', none)).toBe(false);
  });

  it('mounts the LLM paths below a pathPrefix when both are given', () => {
    const p = table([{ id: 'r', match: { pathPrefix: '/gw/', llm: 'm' } }]);
    expect(p.routeId(p.match('GET', undefined, '/gw/llm/rest/m/x'))).toBe('r');
    expect(p.routeId(p.match('GET', undefined, '/llm/rest/m/x'))).toBeUndefined();
  });
});

describe('routes in the config file', () => {
  it('are optional and default to none', () => {
    expect(parseEdgeConfig('{"plugins":[]}').routes).toEqual([]);
  });

  it('reports duplicate ids, bad prefixes, bad methods and unknown keys together as EDGE_CONFIG_INVALID', () => {
    const text = JSON.stringify({ routes: [
      { id: 'a', match: { pathPrefix: 'no-slash' } },
      { id: 'a', match: { methods: ['GET /'] }, plugins: [] },
      { id: 'b', match: { llm: 'x/y', port: 1 } },
    ] });
    try {
      parseEdgeConfig(text);
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'EDGE_CONFIG_INVALID' });
      const paths = (e as { details: { issues: Array<{ path: string }> } }).details.issues.map((i) => i.path).sort();
      expect(paths).toEqual(['routes.0.match.pathPrefix', 'routes.1.id', 'routes.1.match.methods.0', 'routes.2.match', 'routes.2.match.llm']);
    }
  });
});
