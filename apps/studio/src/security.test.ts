import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './security.js';

describe('LoginThrottle', () => {
  it('blocks after maxFailures within the window and forgets after it', () => {
    let now = 0;
    const t = new LoginThrottle({ maxFailures: 2, windowMs: 10_000 }, () => now);
    t.fail('a');
    expect(t.retryAfter('a')).toBe(0);
    t.fail('a');
    expect(t.retryAfter('a')).toBe(10);
    expect(t.retryAfter('b')).toBe(0);
    now = 10_000;
    expect(t.retryAfter('a')).toBe(0);
  });
  it('remembers at most maxClients', () => {
    const t = new LoginThrottle({ maxFailures: 1, windowMs: 10_000, maxClients: 2 }, () => 0);
    for (const c of ['a', 'b', 'c']) t.fail(c);
    expect(t.retryAfter('a')).toBe(0);
    expect(t.retryAfter('c')).toBe(1 * 10);
  });
});
