import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, Writable, type TransformCallback } from 'node:stream';
import { OciError } from '../error.js';

const BLOCK = 512;
const MAX_EXTENDED_HEADER = 1024 * 1024;

function field(h: Buffer, off: number, len: number): string {
  const s = h.subarray(off, off + len);
  const nul = s.indexOf(0);
  return s.subarray(0, nul === -1 ? len : nul).toString('utf8');
}

function octal(h: Buffer, off: number, len: number): number {
  const s = field(h, off, len).trim();
  if (!/^[0-7]*$/.test(s)) throw new OciError({ code: 'OCI_INVALID_ARTIFACT', message: 'corrupt tar header (bad number)' });
  return s ? parseInt(s, 8) : 0;
}

/** Rejects absolute paths, `..` segments and anything that normalises outside the archive root. */
export function assertSafeTarPath(name: string): string {
  const bad = (): never => { throw new OciError({ code: 'OCI_TAR_UNSAFE_PATH', message: `tar entry "${name.slice(0, 200)}" escapes the archive (absolute path or ..)`, details: { entry: name.slice(0, 200) } }); };
  if (!name || name.includes('\0') || name.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(name) || name.includes('\\')) bad();
  if (name.split('/').includes('..')) bad();
  const norm = posix.normalize(name);
  if (norm.startsWith('../') || norm === '..') bad();
  return norm.replace(/^\.\//, '');
}

interface Entry { name: string; type: string; size: number; mode: number }

/**
 * Streaming tar (ustar + pax `path`, GNU long names) reader that writes the single executable regular file of the
 * archive to `dest`. Directories are allowed; links, devices, a second file or an unsafe path are refused.
 * @throws OciError OCI_TAR_UNSAFE_PATH, OCI_INVALID_ARTIFACT
 */
export async function extractSingleExecutable(src: string, dest: string, opts: { gzip: boolean; maxBytes: number }): Promise<{ name: string; size: number }> {
  let buf: Buffer = Buffer.alloc(0);
  let current: (Entry & { remaining: number; pad: number; out?: ReturnType<typeof createWriteStream>; sink?: Buffer[] }) | undefined;
  let paxPath: string | undefined;
  let longName: string | undefined;
  let found: { name: string; size: number } | undefined;
  let ended = false;
  const writes: Array<Promise<void>> = [];

  const handleHeader = (h: Buffer): void => {
    if (h.every((b) => b === 0)) { ended = true; return; }
    const sum = octal(h, 148, 8);
    let check = 0;
    for (let i = 0; i < BLOCK; i++) check += i >= 148 && i < 156 ? 32 : h[i]!;
    if (check !== sum) throw new OciError({ code: 'OCI_INVALID_ARTIFACT', message: 'corrupt tar header (checksum)' });
    const type = String.fromCharCode(h[156] || 48);
    const prefix = field(h, 345, 155);
    let name = field(h, 0, 100);
    if (prefix) name = `${prefix}/${name}`;
    if (longName !== undefined) { name = longName; longName = undefined; }
    if (paxPath !== undefined) { name = paxPath; paxPath = undefined; }
    const size = octal(h, 124, 12);
    const mode = octal(h, 100, 8);
    const entry = { name, type, size, mode, remaining: size, pad: (BLOCK - (size % BLOCK)) % BLOCK };
    if (type === 'x' || type === 'L') {
      // Extended headers are held in memory: bound them.
      if (size > MAX_EXTENDED_HEADER) throw new OciError({ code: 'OCI_INVALID_ARTIFACT', message: `tar extended header of ${size} bytes is larger than ${MAX_EXTENDED_HEADER}` });
      current = { ...entry, sink: [] };
      return;
    }
    if (type === 'g') { current = entry; return; }
    const safe = assertSafeTarPath(name);
    if (type === '5') { current = entry; return; }
    if (type !== '0' && type !== '\0' && type !== '7') {
      throw new OciError({ code: 'OCI_TAR_UNSAFE_PATH', message: `tar entry "${safe}" is a link or special file (type ${type}); plugin archives may hold only one regular file`, details: { entry: safe, type } });
    }
    if (found) throw new OciError({ code: 'OCI_INVALID_ARTIFACT', message: `plugin archive holds more than one file ("${found.name}", "${safe}")` });
    if ((mode & 0o111) === 0) throw new OciError({ code: 'OCI_INVALID_ARTIFACT', message: `file "${safe}" in the plugin archive is not executable` });
    if (size > opts.maxBytes) throw new OciError({ code: 'OCI_BLOB_TOO_LARGE', message: `file "${safe}" is larger than ${opts.maxBytes} bytes` });
    found = { name: safe, size };
    const out = createWriteStream(dest, { mode: 0o600 });
    const written = new Promise<void>((res, rej) => { out.on('finish', () => res()); out.on('error', rej); });
    // When the archive fails mid-entry the pipeline's error wins and `writes` is never awaited; the stream, destroyed
    // then, may still fail a pending write — handled here, or it would be an unhandled rejection (a crash).
    written.catch(() => undefined);
    writes.push(written);
    current = { ...entry, out };
  };

  const consume = (): void => {
    for (;;) {
      if (ended) { buf = Buffer.alloc(0); return; }
      if (!current) {
        if (buf.length < BLOCK) return;
        const h = buf.subarray(0, BLOCK);
        buf = buf.subarray(BLOCK);
        handleHeader(Buffer.from(h));
        const cur = current as (Entry & { pad: number }) | undefined;
        if (cur && cur.size === 0 && cur.pad === 0) finishEntry();
        continue;
      }
      if (current.remaining > 0) {
        if (buf.length === 0) return;
        const n = Math.min(current.remaining, buf.length);
        const chunk = buf.subarray(0, n);
        buf = buf.subarray(n);
        current.remaining -= n;
        if (current.out) current.out.write(Buffer.from(chunk));
        if (current.sink) current.sink.push(Buffer.from(chunk));
        if (current.remaining > 0) return;
      }
      if (buf.length < current.pad) return;
      buf = buf.subarray(current.pad);
      finishEntry();
    }
  };
  const finishEntry = (): void => {
    const c = current!;
    current = undefined;
    c.out?.end();
    if (c.sink && c.type === 'L') longName = Buffer.concat(c.sink).toString('utf8').replace(/\0+$/, '');
    if (c.sink && c.type === 'x') {
      const text = Buffer.concat(c.sink).toString('utf8');
      for (const rec of text.split('\n')) {
        const m = /^\d+ path=(.*)$/.exec(rec);
        if (m) paxPath = m[1];
      }
    }
  };

  const parser = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      try { buf = buf.length ? Buffer.concat([buf, chunk]) : chunk; consume(); cb(); } catch (e) { cb(e as Error); }
    },
    flush(cb) { cb(current && current.remaining > 0 ? new OciError({ code: 'OCI_INVALID_ARTIFACT', message: 'tar archive is truncated' }) : null); },
  });
  try {
    const drain = new Writable({ objectMode: true, write(_c, _e, cb) { cb(); } });
    if (opts.gzip) await pipeline(createReadStream(src), createGunzip(), parser, drain);
    else await pipeline(createReadStream(src), parser, drain);
    await Promise.all(writes);
  } catch (e) {
    current?.out?.destroy();
    await rm(dest, { force: true });
    if (e instanceof OciError) throw e;
    throw new OciError({ code: 'OCI_INVALID_ARTIFACT', message: `plugin layer is not a valid tar${opts.gzip ? '.gz' : ''}: ${(e as Error).message}`, cause: e });
  }
  if (!found) throw new OciError({ code: 'OCI_INVALID_ARTIFACT', message: 'plugin archive holds no executable file' });
  return found;
}
