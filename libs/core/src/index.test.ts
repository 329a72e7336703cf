import { describe, expect, it } from 'vitest';
import * as api from './index.js';
import { spawnSync } from 'node:child_process';
import { backoffDelay, PlugwayError, isPlugwayError, processExists, redact, redactUrl, REDACTED, NOOP_LOGGER } from './index.js';

class DemoError extends PlugwayError<'DEMO_BAD' | 'DEMO_WORSE'> {}

describe('@plugway/core public surface', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual(['NOOP_LOGGER', 'PlugwayError', 'REDACTED', 'backoffDelay', 'isPlugwayError', 'isSecretKey', 'processExists', 'redact', 'redactString', 'redactUrl']);
  });
});

describe('PlugwayError', () => {
  it('carries name, code, details and cause', () => {
    const cause = new Error('low');
    const e = new DemoError({ code: 'DEMO_BAD', message: 'bad', cause, details: { a: 1 } });
    expect(e.name).toBe('DemoError');
    expect(e.code).toBe('DEMO_BAD');
    expect(e.details).toEqual({ a: 1 });
    expect(e.cause).toBe(cause);
    expect(e).toBeInstanceOf(Error);
    expect(JSON.parse(JSON.stringify(e))).toEqual({ name: 'DemoError', code: 'DEMO_BAD', message: 'bad', details: { a: 1 } });
  });
  it('is recognised by brand, not by instanceof', () => {
    expect(isPlugwayError(new DemoError({ code: 'DEMO_WORSE', message: 'x' }))).toBe(true);
    expect(isPlugwayError(new Error('x'))).toBe(false);
    expect(isPlugwayError(null)).toBe(false);
    expect(isPlugwayError({ code: 'X' })).toBe(false);
  });
  it('omits details when none are given', () => {
    expect(new DemoError({ code: 'DEMO_BAD', message: 'm' }).toJSON()).toEqual({ name: 'DemoError', code: 'DEMO_BAD', message: 'm' });
  });
});

describe('processExists', () => {
  it('is true for this process and pid 1 (another user\'s when not root: EPERM), false for a reaped child', () => {
    expect(processExists(process.pid)).toBe(true);
    expect(processExists(1)).toBe(true);
    expect(processExists(spawnSync('true').pid)).toBe(false);
  });
});

describe('backoffDelay', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, 100, 2_000))).toEqual([100, 200, 400, 800, 1600, 2000]);
    expect(backoffDelay(5000, 250, 30_000)).toBe(30_000);
  });
});

describe('redact', () => {
  it('replaces secret-looking keys deeply', () => {
    expect(redact({ user: 'u', password: 'p', nested: [{ token: 't', ok: 1 }], empty: '' })).toEqual({
      user: 'u', password: REDACTED, nested: [{ token: REDACTED, ok: 1 }], empty: '',
    });
    expect(redact('plain')).toBe('plain');
  });
  it('strips userinfo and secret query values from URLs', () => {
    expect(redactUrl('https://me:pw@reg.example/v2?token=abc&x=1')).toBe(`https://${encodeURIComponent(REDACTED)}@reg.example/v2?token=${encodeURIComponent(REDACTED)}&x=1`);
    expect(redactUrl('not a url')).toBe('not a url');
  });
  it('noop logger swallows everything', () => {
    NOOP_LOGGER.info('x');
    expect(NOOP_LOGGER.child({ a: 1 })).toBe(NOOP_LOGGER);
  });
});
