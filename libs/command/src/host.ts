import { fail, quote } from './error.js';
import { formatIpv4, looksNumeric, parseIpv4Loose } from './ipv4.js';

export interface ParsedHost {
  host: string;
  hostKind: 'ipv4' | 'ipv6' | 'name';
}

type HostCode = 'COMMAND_INVALID_HOST' | 'COMMAND_INVALID_REGISTRY';

const LABEL_RE = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Parse a host (no port, no brackets) the way the WHATWG URL parser does for special URLs, so that the
 * security policy sees the address a resolver would contact: numeric IPv4 spellings (`2130706433`, `0x7f.1`,
 * `0177.0.0.1`) become dotted `127.0.0.1` with hostKind 'ipv4'; names are lowercased without a trailing dot.
 */
export function parseHost(input: string, code: HostCode = 'COMMAND_INVALID_HOST'): ParsedHost {
  if (/[^\x21-\x7e]/.test(input)) {
    fail(code, `The host ${quote(input)} contains non-ASCII characters; write internationalised names in punycode (xn--…).`);
  }
  let h = input.toLowerCase();
  if (looksNumeric(h)) {
    const value = parseIpv4Loose(h);
    if (value === undefined) {
      fail(code, `${quote(input)} is not a valid IPv4 address; write four decimal numbers 0–255, e.g. 192.0.2.10.`);
    }
    return { host: formatIpv4(value), hostKind: 'ipv4' };
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h.length > 253 || !h.split('.').every((l) => LABEL_RE.test(l))) {
    fail(
      code,
      `${quote(input)} is not a valid host name: use letters, digits, "-" and "_" in dot-separated labels of 1–63 characters (253 in all), an IPv4 address or a bracketed IPv6 address.`,
    );
  }
  return { host: h, hostKind: 'name' };
}

/** Validate the inside of `[…]` and return its canonical compressed lowercase form (RFC 5952), without brackets. */
export function parseIpv6(inner: string, code: HostCode = 'COMMAND_INVALID_HOST'): string {
  let url: URL | undefined;
  try {
    // Zone ids ("%eth0") are refused: a "%" never reaches the URL parser.
    if (!inner.includes('%')) url = new URL(`http://[${inner}]/`);
  } catch {
    // reported below
  }
  if (url === undefined) {
    fail(code, `${quote(`[${inner}]`)} is not a valid IPv6 address (zone ids such as %eth0 are not supported); write e.g. [::1] or [fd00::1].`);
  }
  return url.hostname.slice(1, -1);
}
