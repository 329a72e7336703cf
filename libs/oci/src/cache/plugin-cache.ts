import { createHash, randomBytes } from 'node:crypto';
import { chmod, link, lstat, mkdir, open, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { NOOP_LOGGER, processExists, type Logger } from '@plugway/core';
import { OciError } from '../error.js';
import { parseDigest } from '../client/digest.js';
import type { PluginRuntime } from '../artifact/plugin-runtime.js';

/** What the cache records about a usable plugin binary (stored as JSON beside it). */
export interface CacheEntry {
  /** Digest of the manifest that was pulled (the platform manifest when an index was resolved). */
  manifestDigest: string;
  /** Digest the user asked for (index or manifest) — what signatures cover. */
  subjectDigest: string;
  /** sha256 of the executable itself. */
  binaryDigest: string;
  /** `registry/repository` — GC keeps N versions per repository. */
  repository: string;
  reference: string;
  size: number;
  pulledAt: string;
  lastUsedAt: string;
  /** Name of the key that verified the signature, or null when unsigned/unverified by choice. */
  verifiedBy: string | null;
  platform?: string;
  /**
   * The blob's inode identity when it was verified (`dev:ino:size:mtimeNs:ctimeNs`). A hit whose file still has it is
   * not hashed again; any other value means the file was written, replaced or touched since, and it is re-hashed.
   */
  stamp?: string;
  /** The runtime the artifact's config asks for (absent: the file is executable by itself). */
  runtime?: PluginRuntime;
}

/** A tag → digest resolution, kept for the IfNotPresent pull policy. */
export interface RefRecord {
  reference: string;
  subjectDigest: string;
  resolvedAt: string;
}

export interface CacheOptions {
  root: string;
  logger?: Logger;
  /**
   * Downloads in tmp/ left by another host are removed when older than this (default 10 min); a lock whose holder
   * stopped renewing it for this long is broken even if its lease setting is longer.
   */
  staleLockMs?: number;
  /**
   * A lock's lease (default 30 s): its holder renews it (the file's mtime) every third of this, and a lock not renewed
   * for this long is broken — so a cache directory shared between nodes (a ReadWriteMany volume) stays safe without
   * relying on process ids, which only mean something on the host that wrote them.
   */
  lockLeaseMs?: number;
  /** How long to wait for another process's lock before OCI_CACHE_IO (default 10 min). */
  lockTimeoutMs?: number;
}

const hexOf = (digest: string): string => parseDigest(digest).hex;
/** lastUsedAt is rewritten at most this often (a hit must not cost an fsync). */
const TOUCH_INTERVAL_MS = 60_000;

/** What must stay the same for a verified file to be trusted without hashing (see README "Cache hits"). */
async function stampOf(path: string): Promise<string | undefined> {
  const st = await lstat(path, { bigint: true });
  if (!st.isFile()) return undefined;
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/** This host in lock files and tmp/ names (letters, digits, dashes): pids are compared only between equal hosts. */
const HOST = hostname().replace(/[^A-Za-z0-9-]/g, '-').slice(0, 64) || 'host';

/** What a lock file holds. */
interface LockOwner { host: string; pid: number; token: string }
const keyHash = (s: string): string => createHash('sha256').update(s).digest('hex');

function ioError(e: unknown, what: string): OciError {
  return new OciError({ code: 'OCI_CACHE_IO', message: `plugin cache: cannot ${what}: ${(e as Error).message}`, cause: e });
}

// Temp file + rename: readers see the old or the new record, never half of one. No fsync: a record lost or garbled
// by a power cut is a cache miss (unparsable records are skipped, blobs are re-checked by stamp or hash before use),
// and waiting for the disk would cost every pull on a busy machine far more than the pull itself.
async function atomicWrite(file: string, data: string): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(data);
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}

const HASH_CHUNK = 1024 * 1024;

/** sha256 of a file, read in 1 MiB pieces into one buffer (no garbage per chunk: memory stays flat at any size). */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(HASH_CHUNK);
  const fh = await open(path, 'r');
  try {
    for (let n = (await fh.read(buf, 0, HASH_CHUNK, null)).bytesRead; n > 0; n = (await fh.read(buf, 0, HASH_CHUNK, null)).bytesRead) h.update(buf.subarray(0, n));
  } finally {
    await fh.close();
  }
  return `sha256:${h.digest('hex')}`;
}

/**
 * Content-addressed store of verified plugin executables:
 * `blobs/sha256/<hex>` (mode 0755, only after verification), `entries/<manifest-hex>.json`, `refs/<hash>.json`,
 * `tmp/` (downloads in progress — never executable), `locks/`. Every write is temp file + rename, without fsync (see
 * atomicWrite and the README's Cache section).
 */
export class PluginCache {
  readonly root: string;
  private readonly logger: Logger;
  private readonly inProcess = new Map<string, Promise<unknown>>();
  private readonly staleLockMs: number;
  private readonly lockTimeoutMs: number;
  private readonly leaseMs: number;

  private constructor(opts: CacheOptions) {
    this.root = opts.root;
    this.logger = opts.logger ?? NOOP_LOGGER;
    this.staleLockMs = opts.staleLockMs ?? 10 * 60_000;
    this.lockTimeoutMs = opts.lockTimeoutMs ?? 10 * 60_000;
    this.leaseMs = Math.min(opts.lockLeaseMs ?? 30_000, this.staleLockMs);
  }

  /** Creates the directory layout (mode 0700) and removes leftovers of killed downloads. */
  static async open(opts: CacheOptions): Promise<PluginCache> {
    const c = new PluginCache(opts);
    try {
      for (const d of ['blobs/sha256', 'entries', 'refs', 'tmp', 'locks']) await mkdir(join(c.root, d), { recursive: true, mode: 0o700 });
    } catch (e) {
      throw ioError(e, `create ${c.root}`);
    }
    await c.sweepTmp();
    return c;
  }

  /** A fresh path under tmp/ for a download; nothing there is ever returned as usable. */
  tmpPath(label = 'download'): string {
    return join(this.root, 'tmp', `${label}-${process.pid}-${randomBytes(8).toString('hex')}.${HOST}`);
  }

  blobPath(binaryDigest: string): string {
    return join(this.root, 'blobs', 'sha256', hexOf(binaryDigest));
  }

  private entryPath(manifestDigest: string): string {
    return join(this.root, 'entries', `${hexOf(manifestDigest)}.json`);
  }

  /** Entry recorded for a subject (requested) digest, if any. */
  async findBySubject(subjectDigest: string, platform?: string): Promise<CacheEntry | undefined> {
    const all = await this.list();
    return all.find((e) => e.subjectDigest === subjectDigest && (platform === undefined || e.platform === undefined || e.platform === platform));
  }

  /**
   * Loads a usable entry. The binary is trusted without hashing while its inode, size, mtime and ctime are what they
   * were when it was verified; otherwise it is re-hashed and must match (a mismatching file is removed and
   * OCI_CACHE_CORRUPT thrown). A miss is `undefined`.
   */
  async get(manifestDigest: string): Promise<{ path: string; entry: CacheEntry } | undefined> {
    let entry: CacheEntry;
    try {
      entry = JSON.parse(await readFile(this.entryPath(manifestDigest), 'utf8')) as CacheEntry;
    } catch {
      return undefined;
    }
    const path = this.blobPath(entry.binaryDigest);
    let stamp: string | undefined;
    try {
      stamp = await stampOf(path);
    } catch {
      stamp = undefined;
    }
    if (stamp === undefined) {
      await rm(this.entryPath(manifestDigest), { force: true });
      return undefined;
    }
    let dirty = false;
    if (stamp !== entry.stamp) {
      const actual = await sha256File(path).catch(() => undefined);
      if (actual !== entry.binaryDigest) {
        await rm(path, { force: true });
        await rm(this.entryPath(manifestDigest), { force: true });
        this.logger.warn('plugin cache entry corrupt; removed', { manifestDigest, expected: entry.binaryDigest, actual });
        throw new OciError({ code: 'OCI_CACHE_CORRUPT', message: `cached plugin ${entry.reference} does not match its digest ${entry.binaryDigest}; the entry was removed`, details: { manifestDigest, expected: entry.binaryDigest, actual: actual ?? null } });
      }
      entry.stamp = stamp;
      dirty = true;
    }
    const now = Date.now();
    if (dirty || !(now - Date.parse(entry.lastUsedAt) < TOUCH_INTERVAL_MS)) {
      entry.lastUsedAt = new Date(now).toISOString();
      await atomicWrite(this.entryPath(manifestDigest), JSON.stringify(entry)).catch(() => undefined);
    }
    return { path, entry };
  }

  /**
   * Moves a verified file from tmp/ into blobs/ (0755) and records its entry. The caller has checked the
   * signature; the binary digest is computed here, unless `hashed` is the sha256 this process computed while
   * downloading the file (a raw layer verified against its digest is not hashed twice).
   */
  async commit(tmpFile: string, entry: Omit<CacheEntry, 'binaryDigest' | 'size' | 'pulledAt' | 'lastUsedAt' | 'stamp'>, hashed?: string): Promise<{ path: string; entry: CacheEntry }> {
    try {
      const binaryDigest = hashed?.startsWith('sha256:') ? hashed : await sha256File(tmpFile);
      const { size } = await stat(tmpFile);
      const dest = this.blobPath(binaryDigest);
      await chmod(tmpFile, 0o755);
      await rename(tmpFile, dest);
      const now = new Date().toISOString();
      const stamp = await stampOf(dest);
      const full: CacheEntry = { ...entry, binaryDigest, size, pulledAt: now, lastUsedAt: now, ...(stamp ? { stamp } : {}) };
      await atomicWrite(this.entryPath(entry.manifestDigest), JSON.stringify(full));
      return { path: dest, entry: full };
    } catch (e) {
      await rm(tmpFile, { force: true });
      throw ioError(e, 'store a plugin');
    }
  }

  async getRef(reference: string): Promise<RefRecord | undefined> {
    try {
      return JSON.parse(await readFile(join(this.root, 'refs', `${keyHash(reference)}.json`), 'utf8')) as RefRecord;
    } catch {
      return undefined;
    }
  }

  async putRef(rec: RefRecord): Promise<void> {
    await atomicWrite(join(this.root, 'refs', `${keyHash(rec.reference)}.json`), JSON.stringify(rec)).catch((e: unknown) => { throw ioError(e, 'record a tag'); });
  }

  async list(): Promise<CacheEntry[]> {
    const out: CacheEntry[] = [];
    for (const f of await readdir(join(this.root, 'entries')).catch(() => [] as string[])) {
      if (!f.endsWith('.json')) continue;
      try { out.push(JSON.parse(await readFile(join(this.root, 'entries', f), 'utf8')) as CacheEntry); } catch { /* half-written by a crash: ignored */ }
    }
    return out;
  }

  /**
   * Runs `fn` holding the lock for `key`: one at a time in this process (shared promise) and across processes
   * (O_EXCL lock file; a lock whose owner died or that is older than staleLockMs is broken).
   */
  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.inProcess.get(key) ?? Promise.resolve();
    const run = prev.catch(() => undefined).then(() => this.withFileLock(key, fn));
    this.inProcess.set(key, run);
    try {
      return await run;
    } finally {
      if (this.inProcess.get(key) === run) this.inProcess.delete(key);
    }
  }

  // Lock protocol (works on a directory shared between hosts): create the file with O_EXCL holding { host, pid, token },
  // renew its mtime every lease/3 while `fn` runs, remove it only while it still holds our token. A lock is broken
  // when its lease ran out, or at once when its host is this host and its pid is gone. Breaking renames the file away
  // first, so of several processes that judged it stale only one removes it.
  private async withFileLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const file = join(this.root, 'locks', `${keyHash(key)}.lock`);
    const deadline = Date.now() + this.lockTimeoutMs;
    const me: LockOwner = { host: HOST, pid: process.pid, token: randomBytes(12).toString('hex') };
    for (;;) {
      try {
        const fh = await open(file, 'wx', 0o600);
        try { await fh.writeFile(JSON.stringify(me)); } finally { await fh.close(); }
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(e, 'take a lock');
        const held = await this.readLock(file);
        if (held && this.isStale(held)) { await this.breakLock(file, held.owner); continue; }
        if (Date.now() > deadline) throw new OciError({ code: 'OCI_CACHE_IO', message: `plugin cache: timed out waiting for another process to finish pulling ${key}` });
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const renew = setInterval(() => {
      const t = new Date();
      void utimes(file, t, t).catch(() => this.logger.warn('plugin cache: lost a lock while holding it', { key }));
    }, Math.max(10, Math.floor(this.leaseMs / 3)));
    renew.unref();
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      const held = await this.readLock(file);
      if (held?.owner?.token === me.token) await rm(file, { force: true });
    }
  }

  /** The lock's owner (undefined while its creator is still writing it) and the age of its last renewal. */
  private async readLock(file: string): Promise<{ owner: LockOwner | undefined; ageMs: number } | undefined> {
    try {
      const [text, st] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
      let owner: LockOwner | undefined;
      try {
        const o = JSON.parse(text) as Partial<LockOwner>;
        if (typeof o.host === 'string' && typeof o.pid === 'number' && typeof o.token === 'string') owner = { host: o.host, pid: o.pid, token: o.token };
      } catch { /* empty or being written */ }
      return { owner, ageMs: Date.now() - st.mtimeMs };
    } catch {
      return undefined;
    }
  }

  private isStale(held: { owner: LockOwner | undefined; ageMs: number }): boolean {
    if (held.ageMs > this.leaseMs) return true;
    if (!held.owner) return false;
    return held.owner.host === HOST && held.owner.pid !== process.pid && !processExists(held.owner.pid);
  }

  private async breakLock(file: string, judged: LockOwner | undefined): Promise<void> {
    const aside = `${file}.${randomBytes(6).toString('hex')}.broken`;
    try { await rename(file, aside); } catch { return; } // another process broke (or released) it first
    const moved = await this.readLock(aside);
    if (judged && moved?.owner && moved.owner.token !== judged.token) {
      // The lock was released and taken again between our look and the rename: put the new holder's lock back.
      await link(aside, file).catch(() => undefined);
    } else {
      this.logger.warn('plugin cache: broke a stale lock', { host: judged?.host, pid: judged?.pid });
    }
    await rm(aside, { force: true });
  }

  /**
   * Removes downloads left by processes that are gone (killed mid-pull): this host's by pid, another host's (a shared
   * cache directory) only once they are older than staleLockMs.
   */
  async sweepTmp(): Promise<void> {
    const dir = join(this.root, 'tmp');
    for (const f of await readdir(dir).catch(() => [] as string[])) {
      const m = /-(\d+)-[0-9a-f]+(?:\.([A-Za-z0-9-]+))?$/.exec(f);
      const pid = Number(m?.[1]);
      const host = m?.[2] ?? HOST;
      let gone: boolean;
      if (host !== HOST) gone = await stat(join(dir, f)).then((st) => Date.now() - st.mtimeMs > this.staleLockMs, () => false);
      else gone = pid !== process.pid && !(pid > 0 && processExists(pid));
      if (gone) await rm(join(dir, f), { force: true, recursive: true });
    }
  }

  /**
   * Garbage collection: drops entries beyond `keepPerRepository` newest per repository, then least recently used
   * entries until the blobs fit in `maxBytes`. Entries in `inUse` (manifest or binary digests) are never removed.
   */
  async gc(opts: { maxBytes?: number; keepPerRepository?: number; inUse?: ReadonlySet<string> } = {}): Promise<CacheEntry[]> {
    const inUse = opts.inUse ?? new Set<string>();
    const entries = (await this.list()).sort((a, b) => b.lastUsedAt.localeCompare(a.lastUsedAt));
    const removed: CacheEntry[] = [];
    const drop = async (e: CacheEntry): Promise<void> => {
      removed.push(e);
      await rm(this.entryPath(e.manifestDigest), { force: true });
      if (!entries.some((o) => !removed.includes(o) && o.binaryDigest === e.binaryDigest)) await rm(this.blobPath(e.binaryDigest), { force: true });
    };
    const pinned = (e: CacheEntry): boolean => inUse.has(e.manifestDigest) || inUse.has(e.binaryDigest) || inUse.has(e.subjectDigest);
    if (opts.keepPerRepository !== undefined) {
      const seen = new Map<string, number>();
      for (const e of entries) {
        const n = (seen.get(e.repository) ?? 0) + 1;
        seen.set(e.repository, n);
        if (n > opts.keepPerRepository && !pinned(e)) await drop(e);
      }
    }
    if (opts.maxBytes !== undefined) {
      let total = entries.filter((e) => !removed.includes(e)).reduce((s, e) => s + e.size, 0);
      for (const e of [...entries].reverse()) {
        if (total <= opts.maxBytes) break;
        if (removed.includes(e) || pinned(e)) continue;
        await drop(e);
        total -= e.size;
      }
    }
    await this.sweepTmp();
    if (removed.length) this.logger.info('plugin cache gc', { removed: removed.length });
    return removed;
  }
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4, ki: 1024, mi: 1024 ** 2, gi: 1024 ** 3 };

/** Parses `500MiB`, `2GB`, `1048576` into bytes. @throws OciError OCI_INVALID_OPTIONS */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const mult = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || mult === undefined) throw new OciError({ code: 'OCI_INVALID_OPTIONS', message: `invalid size "${text.slice(0, 50)}" (use e.g. 500MiB, 2GB or a number of bytes)` });
  return Math.floor(Number(m[1]) * mult);
}
