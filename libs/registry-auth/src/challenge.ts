// RFC 9110 WWW-Authenticate parsing: several challenges in one header, auth-params whose quoted values may hold
// commas and escaped quotes, token68 credentials, case-insensitive schemes and parameter names.

export interface AuthChallenge {
  /** Lower-cased scheme, e.g. `bearer`, `basic`. */
  scheme: string;
  /** Lower-cased parameter names → unquoted values. */
  params: Record<string, string>;
  token68?: string;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;

/** Parses a WWW-Authenticate header value into its challenges (never throws; garbage is skipped). */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const s = header;
  const out: AuthChallenge[] = [];
  let current: AuthChallenge | undefined;
  let i = 0;
  const skipWs = (): void => { while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++; };
  const readToken = (): string => {
    const start = i;
    while (i < s.length && TCHAR.test(s[i] as string)) i++;
    return s.slice(start, i);
  };
  const readQuoted = (): string => {
    i++; // opening quote
    let v = '';
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      v += s[i];
      i++;
    }
    i++; // closing quote (or end)
    return v;
  };
  while (i < s.length) {
    skipWs();
    if (s[i] === ',') { i++; continue; }
    const tok = readToken();
    if (!tok) { i++; continue; }
    skipWs();
    if (s[i] === '=' && current && s[i + 1] !== '=') {
      // auth-param
      i++;
      skipWs();
      const value = s[i] === '"' ? readQuoted() : readToken();
      const name = tok.toLowerCase();
      if (!(name in current.params)) current.params[name] = value;
      continue;
    }
    // a new challenge: scheme [token68 | params]
    current = { scheme: tok.toLowerCase(), params: {} };
    out.push(current);
    skipWs();
    const rest = s.slice(i);
    const m = TOKEN68.exec(rest);
    if (m) {
      const after = rest.slice(m[0].length).trimStart();
      // `abc==` followed by end or a comma is a token68; `realm=…` is a parameter.
      if ((after === '' || after.startsWith(',')) && !/^[^=]+=[^=]/.test(m[0])) {
        current.token68 = m[0];
        i += m[0].length;
      }
    }
  }
  return out;
}
