import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ApiTokenSettings } from '@plugway/config';

/**
 * The admin token: from the environment, or read from its 0600 file, or generated into it (first start in dev).
 * The token itself is never logged; callers log `source` and `path`.
 */
export function resolveApiToken(s: ApiTokenSettings): { token: string; source: 'env' | 'file' | 'generated'; path?: string } {
  if (s.source === 'env') return { token: s.token, source: 'env' };
  try {
    const existing = readFileSync(s.path, 'utf8').trim();
    if (existing.length >= 16) {
      if ((statSync(s.path).mode & 0o077) !== 0) chmodSync(s.path, 0o600);
      return { token: existing, source: 'file', path: s.path };
    }
  } catch { /* not there yet */ }
  mkdirSync(dirname(s.path), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(s.path, `${token}\n`, { mode: 0o600 });
  chmodSync(s.path, 0o600);
  return { token, source: 'generated', path: s.path };
}

/** Constant-time token comparison (hashing first makes the lengths equal). */
export function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
