/** Percent-decode `s`; `undefined` for a stray `%` or bytes that are not UTF-8. */
export function percentDecode(s: string): string | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(s)) return undefined;
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

// Characters that may appear raw in a URL path segment (RFC 3986 pchar without "%"), plus "/".
const PATH_SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;

/** Percent-encode a file path so that {@link percentDecode} returns it unchanged and no `?`/`#` appears raw. */
export function percentEncodePath(path: string): string {
  let out = '';
  // A lone surrogate cannot be encoded as UTF-8; U+FFFD stands in for it (parsed paths never contain one).
  for (const ch of path.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')) out += PATH_SAFE.test(ch) ? ch : encodeURIComponent(ch);
  return out;
}
