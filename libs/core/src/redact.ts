// Secrets never reach logs or API bodies: redact by key name before anything is serialised.

const SECRET_KEY = /pass(word)?|secret|token|authorization|entitlement|credential|private|api[-_]?key|cookie/i;

/** True for a key (object field, query parameter) whose value is treated as a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Placeholder written in place of a secret value. */
export const REDACTED = '[REDACTED]';

/** Deep-copies `value`, replacing the value of every key that looks secret with REDACTED. */
export function redact<T>(value: T, depth = 8): T {
  if (depth < 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth - 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null && v !== '' ? REDACTED : redact(v, depth - 1);
  }
  return out as T;
}

/** Removes userinfo and secret-looking query values from a URL string. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) { u.username = u.username ? REDACTED : ''; u.password = ''; }
    for (const k of [...u.searchParams.keys()]) if (SECRET_KEY.test(k)) u.searchParams.set(k, REDACTED);
    return u.toString();
  } catch {
    return url;
  }
}
