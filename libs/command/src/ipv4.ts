// The WHATWG URL parser's IPv4 rules, shared with @plugway/security-policy so both read numeric hosts one way.

/**
 * True when the WHATWG URL parser would treat the host as an IPv4 address ("ends in a number"): its last label
 * (ignoring one trailing dot) is all digits or `0x` hex. Such a host that does not parse is invalid, never a name.
 */
export function looksNumeric(host: string): boolean {
  const labels = host.split('.');
  if (labels.length > 1 && labels[labels.length - 1] === '') labels.pop();
  const last = labels[labels.length - 1]!;
  return /^\d+$/.test(last) || /^0x[0-9a-f]*$/i.test(last);
}

/**
 * Parses an IPv4 host the way the WHATWG URL parser does: 1–4 parts, each decimal, octal (leading 0) or hex (0x),
 * the last part filling the remaining bytes (`127.1`, `2130706433`, `0x7f.1`, `0177.0.0.1`), one trailing dot
 * allowed. Undefined when the host is not numeric (a name) or out of range.
 */
export function parseIpv4Loose(host: string): number | undefined {
  let parts = host.split('.');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts = parts.slice(0, -1);
  if (parts.length === 0 || parts.length > 4) return undefined;
  const nums: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0x[0-9a-f]*$/i.test(p)) n = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    else if (/^0[0-7]+$/.test(p)) n = parseInt(p.slice(1), 8);
    else if (/^(0|[1-9]\d*)$/.test(p)) n = Number(p);
    else return undefined;
    nums.push(n);
  }
  const last = nums.pop()!;
  if (nums.some((n) => n > 255) || last >= 256 ** (4 - nums.length)) return undefined;
  let v = 0;
  nums.forEach((n, i) => { v += n * 256 ** (3 - i); });
  return v + last;
}

/** The dotted-quad form of an IPv4 address held as a 32-bit unsigned number. */
export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((s) => (value >>> s) & 255).join('.');
}
