// Secrets never reach logs or API bodies: redact by key name and by credential-bearing values, at every depth, before
// anything is serialised.

// Substrings of a key name that mark its value as secret (case-insensitive). Wide on purpose: a redacted harmless value
// costs less than a leaked password.
const SECRET_KEY = /pass(word|wd|phrase)?|pwd|secret|token|auth|bearer|entitlement|credential|private|api[-_]?key|access[-_]?key|signing[-_]?key|client[-_]?key|encryption[-_]?key|cookie|session|dsn|conn(ection)?[-_]?str(ing)?|jwt/i;

// Credentials inside values: URL userinfo passwords (`postgres://u:pw@h/db`), `Password=…;` / `pwd=…` pairs of
// connection strings, and `Bearer …` / `Basic …` header values.
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:)[^\s/?#@]*@/gi;
const PAIR_PASSWORD = /\b(pass(?:word|wd)?|pwd|secret|token|api[-_]?key|access[-_]?key)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^;&\s,]*)/gi;
const AUTH_SCHEME = /\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/=-]{4,}/gi;

/** True for a key (object field, query parameter) whose value is treated as a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Placeholder written in place of a secret value. */
export const REDACTED = '[REDACTED]';

/** A string with the credentials it carries replaced by REDACTED (the rest stays readable). */
export function redactString(s: string): string {
  return s
    .replace(URL_PASSWORD, `$1${REDACTED}@`)
    .replace(PAIR_PASSWORD, `$1$2${REDACTED}`)
    .replace(AUTH_SCHEME, `$1$2${REDACTED}`);
}

// Numbers and booleans under a secret-looking key (`max_tokens: 1000`, `private: true`) are settings, not secrets.
const isSecretValue = (v: unknown): boolean => (typeof v === 'string' ? v !== '' : typeof v === 'object' && v !== null);

/**
 * Deep-copies `value`, replacing the value of every secret-looking key with REDACTED and the credentials inside every
 * string. Works at any depth (iterative, no recursion limit) and on cycles (a repeated object becomes `[Circular]`).
 */
export function redact<T>(value: T): T {
  if (typeof value === 'string') return redactString(value) as T;
  if (value === null || typeof value !== 'object') return value;
  const seen = new WeakSet<object>();
  const root: { v: unknown } = { v: undefined };
  // Each job copies `src` into `dst[key]`.
  const jobs: Array<{ src: unknown; dst: Record<string, unknown> | unknown[]; key: string | number }> = [{ src: value, dst: root as unknown as Record<string, unknown>, key: 'v' }];
  while (jobs.length > 0) {
    const { src, dst, key } = jobs.pop()!;
    const put = (v: unknown): void => { (dst as Record<string | number, unknown>)[key] = v; };
    if (typeof src === 'string') { put(redactString(src)); continue; }
    if (src === null || typeof src !== 'object') { put(src); continue; }
    if (seen.has(src)) { put('[Circular]'); continue; }
    seen.add(src);
    if (Array.isArray(src)) {
      const out: unknown[] = new Array<unknown>(src.length);
      put(out);
      src.forEach((v, i) => jobs.push({ src: v, dst: out, key: i }));
      continue;
    }
    const obj = (src as { toJSON?: () => unknown }).toJSON;
    if (typeof obj === 'function' && !(src instanceof Error)) { jobs.push({ src: obj.call(src), dst, key }); seen.delete(src); continue; }
    const out: Record<string, unknown> = {};
    put(out);
    const entries = src instanceof Error ? [['name', src.name], ['message', src.message], ...Object.entries(src)] as Array<[string, unknown]> : Object.entries(src);
    for (const [k, v] of entries) {
      if (SECRET_KEY.test(k) && isSecretValue(v)) out[k] = REDACTED;
      else jobs.push({ src: v, dst: out, key: k });
    }
  }
  return root.v as T;
}

/** Removes userinfo and secret-looking query values from a URL string. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) { u.username = u.username ? REDACTED : ''; u.password = ''; }
    for (const k of [...u.searchParams.keys()]) if (SECRET_KEY.test(k)) u.searchParams.set(k, REDACTED);
    return u.toString();
  } catch {
    return redactString(url);
  }
}
