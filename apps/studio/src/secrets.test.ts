// Issue #10: secret-looking keys and credential-bearing values, buried at random depths (up to 64) in plugin configs,
// never come back in an API response or a log line.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PLUGIN, startHarness, type Harness } from './testing/harness.js';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

const KEYS = ['password', 'pwd', 'bearer', 'auth', 'session_id', 'signing_key', 'dsn', 'conn_string', 'x-api-token', 'client_secret', 'apiKey', 'Cookie'];
const secretValue = fc.stringMatching(/^[A-Za-z0-9]{16}$/).map((s) => `LEAK${s}`);
const carrier = (s: string): fc.Arbitrary<[string, unknown]> => fc.oneof(
  fc.constantFrom(...KEYS).map((k): [string, unknown] => [k, s]),
  fc.constantFrom(...KEYS).map((k): [string, unknown] => [k, [{ value: s }]]),
  fc.constantFrom(`postgres://app:${s}@db:5432/x`, `mysql://root:${s}@127.0.0.1/db`, `Data Source=db;Password=${s};`, `Bearer ${s}`, `user=app password=${s}`)
    .map((v): [string, unknown] => ['target', v]),
);
const buried = secretValue.chain((s) => fc.record({
  s: fc.constant(s),
  entry: carrier(s),
  path: fc.array(fc.constantFrom('o', 'a'), { minLength: 0, maxLength: 64 }),
}));

function config(entry: [string, unknown], path: string[]): Record<string, unknown> {
  let v: unknown = { [entry[0]]: entry[1], shown: 'ok' };
  for (const step of path) v = step === 'a' ? [v] : { in: v };
  return { root: v };
}

describe('no secret in any response or log line', () => {
  it('create, get, list, patch, health, logs and plugin-set (property, depth up to 64)', async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(buried, async ({ s, entry, path }) => {
      const logStart = h.logs.length;
      const body = { name: `Secret ${n}`, slug: `secret-${n++}`, command: `file://${DEMO_PLUGIN}`, hook_type: 'pre_auth', is_active: false, config: config(entry, path) };
      const c = await h.api('/api/v1/plugins', { method: 'POST', body });
      expect(c.status, c.text).toBe(201);
      expect(c.text).toContain('"shown":"ok"');
      const id = c.body.data.id as number;
      const texts = [c.text];
      texts.push((await h.api(`/api/v1/plugins/${id}`)).text);
      texts.push((await h.api('/api/v1/plugins?page_size=100')).text);
      texts.push((await h.api(`/api/v1/plugins/${id}`, { method: 'PATCH', body: { config: config(entry, [...path].reverse()) } })).text);
      texts.push((await h.api(`/api/v1/plugins/${id}`, { method: 'PATCH', body: { config: config(entry, path), name: 123 } })).text);
      texts.push((await h.api(`/api/v1/plugins/${id}/health`)).text);
      texts.push((await h.api(`/api/v1/plugins/${id}/logs`)).text);
      texts.push((await h.api('/api/v1/plugin-set')).text);
      for (const t of texts) expect(t).not.toContain(s);
      for (const line of h.logs.slice(logStart)) expect(line).not.toContain(s);
      await h.api(`/api/v1/plugins/${id}`, { method: 'DELETE' });
    }), { numRuns: 40 });
  }, 120_000);
});
