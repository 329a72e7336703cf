// Issue #10: bounded /metrics, security headers, a CSP without inline scripts, and a throttle on bad tokens.
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, TOKEN, type Harness } from './testing/harness.js';

let h: Harness;
beforeAll(async () => { h = await startHarness({ LOG_LEVEL: 'info' }, { throttle: { maxFailures: 3, windowMs: 60_000 } }); });
afterAll(async () => { await h?.stop(); });

const metrics = async (): Promise<{ size: number; httpSeries: number }> => {
  const text = (await h.api('/metrics', { token: null })).text;
  return { size: text.length, httpSeries: text.split('\n').filter((l) => l.startsWith('studio_http_')).length };
};

describe('/metrics', () => {
  it('stays bounded under 10k requests to random paths', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    const hit = (i: number) => new Promise<void>((resolve, reject) => {
      request(`${h.url}/${i % 2 ? 'api/v1/' : ''}${randomBytes(8).toString('hex')}/${i}`, { agent, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => { res.resume().on('end', resolve); }).on('error', reject).end();
    });
    for (let i = 0; i < 50; i++) await hit(i);
    await metrics();
    const before = await metrics();
    for (let i = 0; i < 10_000; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => hit(i + j)));
    const after = await metrics();
    agent.destroy();
    // no new HTTP series; the rest only gains digits (and the process metrics of a first major GC)
    expect(after.httpSeries).toBe(before.httpSeries);
    expect(after.size - before.size).toBeLessThan(8_000);
    expect((await h.api('/metrics', { token: null })).text).toMatch(/studio_http_requests_total\{method="GET",route="unmatched",status="404"\}/);
  }, 120_000);
});

describe('headers', () => {
  it('JSON answers carry nosniff and no-store', async () => {
    for (const r of [await h.api('/api/v1/plugins'), await h.api('/api/v1/plugins', { token: null }), await h.api('/healthz', { token: null })]) {
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('cache-control')).toBe('no-store');
    }
  });
  it('the admin page allows no inline script and no framing', async () => {
    const r = await h.api('/', { token: null });
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(r.text).not.toMatch(/<script>(?!<\/script>)/);
    expect(r.text).not.toMatch(/ on[a-z]+=/);
    expect((await h.api('/admin.js', { token: null })).headers.get('content-type')).toMatch(/^text\/javascript/);
  });
});

describe('login throttle', () => {
  it('answers 429 with Retry-After after repeated bad tokens from one client', async () => {
    for (let i = 0; i < 3; i++) expect((await h.api('/api/v1/plugins', { token: `bad-token-${i}-xxxxxxxx` })).status).toBe(401);
    const r = await h.api('/api/v1/plugins', { token: 'bad-token-again-xxxxxxxx' });
    expect(r.status).toBe(429);
    expect(r.body.error.code).toBe('TOO_MANY_REQUESTS');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    // the client is blocked as a whole until its window ends
    expect((await h.api('/api/v1/plugins')).status).toBe(429);
  });
});
