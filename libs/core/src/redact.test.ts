import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSecretKey, redact, redactString, redactUrl, REDACTED } from './redact.js';

/** A secret value that is easy to find in any output. */
const secret = fc.stringMatching(/^[A-Za-z0-9]{12,20}$/).map((s) => `S3CR3T${s}`);
const SECRET_KEYS = ['password', 'Passwd', 'pwd', 'secret', 'x-api-token', 'api_key', 'apiKey', 'auth', 'Authorization', 'bearer', 'session_id', 'sessionId',
  'signing_key', 'dsn', 'conn_string', 'connectionString', 'client_secret', 'private_key', 'access_key', 'cookie', 'credentials', 'jwt', 'passphrase'];

/** A value carrying `s` where it must not show: under a secret key, or as a credential inside a string. */
const secretCarrier = (s: string): fc.Arbitrary<[string, unknown]> => fc.oneof(
  fc.constantFrom(...SECRET_KEYS).map((k): [string, unknown] => [k, s]),
  fc.constantFrom(...SECRET_KEYS).map((k): [string, unknown] => [k, { nested: s }]),
  fc.constant<[string, unknown]>(['url', `postgres://user:${s}@db.internal:5432/app`]),
  fc.constant<[string, unknown]>(['url', `https://u:${s}@example.com/x?y=1`]),
  fc.constant<[string, unknown]>(['connection', `Server=db;Database=app;User Id=sa;Password=${s};`]),
  fc.constant<[string, unknown]>(['connection', `host=db user=app pwd=${s} sslmode=require`]),
  fc.constant<[string, unknown]>(['header', `Bearer ${s}`]),
  fc.constant<[string, unknown]>(['note', `token: ${s}`]),
);

/** Wraps `[key, value]` in `depth` levels of objects and arrays. */
function bury(entry: [string, unknown], path: Array<'o' | 'a'>): Record<string, unknown> {
  let v: unknown = { [entry[0]]: entry[1], plain: 'visible' };
  for (const step of path) v = step === 'a' ? [0, v] : { level: v };
  return { root: v };
}

describe('redact', () => {
  it('hides secret keys and credential-bearing values at any depth up to 64 (property)', () => {
    fc.assert(fc.property(secret.chain((s) => fc.tuple(fc.constant(s), secretCarrier(s), fc.array(fc.constantFrom<'o' | 'a'>('o', 'a'), { maxLength: 64 }))), ([s, entry, path]) => {
      const out = JSON.stringify(redact(bury(entry, path)));
      expect(out).not.toContain(s);
      expect(out).toContain('visible');
    }), { numRuns: 400 });
  });
  it('handles 10 000 levels and cycles without a stack overflow', () => {
    let deep: Record<string, unknown> = { password: 'p' };
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    let out = redact(deep);
    for (let i = 0; i < 10_000; i++) out = out['d'] as Record<string, unknown>;
    expect(out).toEqual({ password: REDACTED });
    const cyc: Record<string, unknown> = { a: 1 };
    cyc['self'] = cyc;
    expect(redact(cyc)).toEqual({ a: 1, self: '[Circular]' });
  });
  it('keeps numbers and booleans under secret-looking keys, and empty strings', () => {
    expect(redact({ max_tokens: 1000, private: true, token: '', password: 'x' })).toEqual({ max_tokens: 1000, private: true, token: '', password: REDACTED });
  });
  it.each([
    ['postgres://u:pw@h/db', `postgres://u:${REDACTED}@h/db`],
    ['Server=x;Password=hunter2;Trusted=no', `Server=x;Password=${REDACTED};Trusted=no`],
    ['Authorization: Bearer abc.def.ghi', `Authorization: Bearer ${REDACTED}`],
    ['nothing here', 'nothing here'],
  ])('redactString(%s)', (input, want) => {
    expect(redactString(input)).toBe(want);
  });
  it('isSecretKey covers the wider rule', () => {
    for (const k of SECRET_KEYS) expect(isSecretKey(k), k).toBe(true);
    for (const k of ['name', 'url', 'header', 'timeout_ms', 'x-plugway-demo']) expect(isSecretKey(k), k).toBe(false);
  });
  it('redactUrl falls back to value redaction for non-URLs', () => {
    expect(redactUrl('dsn Password=abc;')).toBe(`dsn Password=${REDACTED};`);
  });
});
