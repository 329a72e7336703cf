import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { EDGE_STATUS, type EdgeError } from './error.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) a proxy must not forward. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** Node headers → the plugin protocol's map<string,string> (lower-case names, repeated values joined), without `drop`. */
export function toHeaderMap(h: IncomingHttpHeaders | OutgoingHttpHeaders, drop?: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in h) {
    const v = h[k];
    if (v === undefined) continue;
    const name = k.toLowerCase();
    if (drop?.has(name)) continue;
    out[name] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

/** Drops hop-by-hop headers and those named in `Connection` (names lower-case, as in header maps and parsed headers). */
export function forwardable<V extends string | string[]>(h: Readonly<Record<string, V | undefined>>): Record<string, V> {
  const connection: string | string[] | undefined = h['connection'];
  const named = new Set((Array.isArray(connection) ? connection.join(',') : connection ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean));
  const out: Record<string, V> = {};
  for (const k in h) {
    const v = h[k];
    if (v !== undefined && !HOP_BY_HOP.has(k) && !named.has(k)) out[k] = v;
  }
  return out;
}

/**
 * A flat `[name, value, …]` list from Node's `rawHeaders`: names lower-cased; hop-by-hop headers, those named in
 * `Connection` and those in `drop` left out; repeated headers (Set-Cookie) stay separate lines. The streaming path
 * forwards this list as it is instead of building header maps.
 */
export function forwardableRaw(raw: readonly string[], drop?: ReadonlySet<string>): string[] {
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length !== 10 || raw[i]!.toLowerCase() !== 'connection') continue;
    for (const token of raw[i + 1]!.split(',')) {
      const n = token.trim().toLowerCase();
      if (n) (named ??= new Set()).add(n);
    }
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(k) || named?.has(k) || drop?.has(k)) continue;
    out.push(k, raw[i + 1]!);
  }
  return out;
}

/** Reads a body up to `limit` bytes: `too-large` when it is larger, `closed` when the peer went away before the end. */
export function readBody(req: Readable, limit: number): Promise<Buffer | 'too-large' | 'closed'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    let ended = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) { over = true; chunks.length = 0; return; }
      if (!over) chunks.push(c);
    });
    req.on('end', () => { ended = true; resolve(over ? 'too-large' : Buffer.concat(chunks)); });
    req.on('error', () => resolve('closed'));
    req.on('close', () => { if (!ended) resolve('closed'); });
  });
}

/** Answers `{ error: { code, message, details } }` with the code's status (or the one given). */
export function sendError(res: ServerResponse, err: EdgeError, status = EDGE_STATUS[err.code]): void {
  if (res.headersSent) { res.destroy(); return; }
  const body = JSON.stringify({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

/** Credential for the auth hook: `Authorization: Bearer …` or `x-api-key`. */
export function credentialOf(h: Record<string, string>): { credential: string; authType: string } {
  const auth = h['authorization'] ?? '';
  const m = /^Bearer\s+(.+)$/i.exec(auth);
  if (m) return { credential: m[1]!.trim(), authType: 'bearer' };
  if (h['x-api-key']) return { credential: h['x-api-key'], authType: 'api_key' };
  return { credential: '', authType: auth ? auth.split(' ')[0]!.toLowerCase() : '' };
}
