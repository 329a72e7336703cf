// createGuardedFetch against local servers on distinct loopback addresses, with a real TLS certificate (openssl).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OciError } from '../error.js';
import { createGuardedFetch, type DialGuard, type DialTarget } from './dial.js';

let dir: string;
let cert: Buffer;
let key: Buffer;
const servers: Server[] = [];
const hits: IncomingMessage[] = [];
let tlsPort: number;
let plainPort: number;

async function listen(server: Server, address: string): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, address, r));
  return (server.address() as { port: number }).port;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'oci-dial-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=registry.invalid', '-addext', 'subjectAltName=DNS:registry.invalid', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  cert = readFileSync(join(dir, 'cert.pem'));
  key = readFileSync(join(dir, 'key.pem'));
  tlsPort = await listen(createHttpsServer({ cert, key }, (req, res) => { hits.push(req); res.writeHead(200, { 'x-host': req.headers.host ?? '' }); res.end('tls ok'); }), '127.0.0.2');
  plainPort = await listen(createHttpServer((req, res) => {
    hits.push(req);
    if (req.url === '/hop') { res.writeHead(302, { location: `http://127.0.0.3:${plainPort}/end` }); res.end(); return; }
    res.writeHead(200); res.end(`auth=${req.headers.authorization ?? ''}`);
  }), '127.0.0.3');
});

afterAll(async () => {
  for (const s of servers) { s.closeAllConnections(); await new Promise((r) => s.close(r)); }
  rmSync(dir, { recursive: true, force: true });
});

const to = (address: string): DialGuard => async () => ({ allowed: true, address });

describe('createGuardedFetch', () => {
  it('dials the address the guard returns and verifies TLS against the name', async () => {
    const seen: DialTarget[] = [];
    const fetch = createGuardedFetch(async (t) => { seen.push(t); return { allowed: true, address: '127.0.0.2' }; }, { ca: cert });
    const res = await fetch(`https://registry.invalid:${tlsPort}/v2/`);
    expect(await res.text()).toBe('tls ok');
    expect(res.headers.get('x-host')).toBe(`registry.invalid:${tlsPort}`);
    expect(seen).toEqual([{ protocol: 'https:', host: 'registry.invalid', port: tlsPort }]);
  });

  it('fails when the certificate does not name the host, even at the right address', async () => {
    const fetch = createGuardedFetch(to('127.0.0.2'), { ca: cert });
    const e = await fetch(`https://other.invalid:${tlsPort}/v2/`).then(() => undefined, (err: unknown) => err);
    expect((e as { cause?: { code?: string } }).cause?.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('rejects with OCI_CONNECTION_DENIED and sends nothing when the guard refuses', async () => {
    const before = hits.length;
    const fetch = createGuardedFetch(async () => ({ allowed: false, code: 'POLICY_LOOPBACK_ADDRESS', message: 'loopback' }));
    const e = await fetch(`http://127.0.0.3:${plainPort}/x`).then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(OciError);
    expect(e).toMatchObject({ code: 'OCI_CONNECTION_DENIED', details: { policyCode: 'POLICY_LOOPBACK_ADDRESS' } });
    expect(hits.length).toBe(before);
  });

  it('checks every hop of a followed redirect and returns manual redirects as they are', async () => {
    const seen: string[] = [];
    const fetch = createGuardedFetch(async (t) => { seen.push(`${t.host}:${t.port}`); return { allowed: true, address: '127.0.0.3' }; });
    const res = await fetch(`http://127.0.0.3:${plainPort}/hop`, { headers: { authorization: 'Bearer x' } });
    expect(await res.text()).toBe('auth=Bearer x'); // same origin keeps the header
    expect(seen).toEqual([`127.0.0.3:${plainPort}`, `127.0.0.3:${plainPort}`]);
    const manual = await fetch(`http://127.0.0.3:${plainPort}/hop`, { redirect: 'manual' });
    expect(manual.status).toBe(302);
    await manual.body?.cancel();
  });

  it('sends string, byte and stream bodies', async () => {
    const echo = createHttpServer((req, res) => { const c: Buffer[] = []; req.on('data', (d: Buffer) => c.push(d)); req.on('end', () => { res.writeHead(200); res.end(Buffer.concat(c)); }); });
    const port = await listen(echo, '127.0.0.3');
    const fetch = createGuardedFetch(to('127.0.0.3'));
    const url = `http://127.0.0.3:${port}/`;
    expect(await (await fetch(url, { method: 'POST', body: 'text' })).text()).toBe('text');
    expect(await (await fetch(url, { method: 'PUT', body: new Uint8Array([104, 105]) })).text()).toBe('hi');
    const stream = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(new Uint8Array([111, 107])); c.close(); } });
    expect(await (await fetch(url, { method: 'PUT', body: stream, duplex: 'half' })).text()).toBe('ok');
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.body).toBeNull();
  });

  it('sends a file body through its two reused buffers, whole and in order, reporting what the socket took', async () => {
    const hash = createHttpServer((req, res) => { const h = createHash('sha256'); req.on('data', (d: Buffer) => h.update(d)); req.on('end', () => { res.writeHead(200); res.end(h.digest('hex')); }); });
    const port = await listen(hash, '127.0.0.3');
    const file = join(dir, 'body.bin');
    const bytes = randomBytes(3 * 256 * 1024 + 5); // three whole chunks and a tail, so both buffers are reused
    writeFileSync(file, bytes);
    const fetch = createGuardedFetch(to('127.0.0.3'));
    let sent = 0;
    const res = await fetch(`http://127.0.0.3:${port}/`, { method: 'PUT', headers: { 'content-length': String(bytes.length) }, body: { file, onSent: (n) => { sent += n; } } });
    expect(await res.text()).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(sent).toBe(bytes.length);
    await expect(fetch(`http://127.0.0.3:${port}/`, { method: 'PUT', body: { file: join(dir, 'missing.bin') } })).rejects.toThrow();
  });
});
