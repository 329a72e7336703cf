// The cache lock on a directory shared between hosts: owner + lease, never a foreign pid.
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { PluginCache } from './plugin-cache.js';

const work = mkdtempSync(join(tmpdir(), 'oci-lock-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const lockFile = (root: string, key: string) => join(root, 'locks', `${createHash('sha256').update(key).digest('hex')}.lock`);
const DEAD_PID = 2 ** 22 + 12345; // above the kernel's pid_max default: never a live process here
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let n = 0;
const fresh = async (opts: { lockLeaseMs?: number; lockTimeoutMs?: number; staleLockMs?: number } = {}) => PluginCache.open({ root: join(work, `c${n++}`), ...opts });

describe('PluginCache.withLock', () => {
  describe('when another host holds the lock', () => {
    it('waits for it while its lease is renewed, even though its pid means nothing here', async () => {
      const cache = await fresh({ lockLeaseMs: 5_000, lockTimeoutMs: 300 });
      writeFileSync(lockFile(cache.root, 'k'), JSON.stringify({ host: 'other-node', pid: DEAD_PID, token: 't' }));
      await expect(cache.withLock('k', async () => 'ran')).rejects.toMatchObject({ code: 'OCI_CACHE_IO' });
      expect(existsSync(lockFile(cache.root, 'k'))).toBe(true);
    });

    it('breaks it once the lease ran out', async () => {
      const cache = await fresh({ lockLeaseMs: 1_000 });
      const file = lockFile(cache.root, 'k');
      writeFileSync(file, JSON.stringify({ host: 'other-node', pid: 1, token: 't' }));
      const old = new Date(Date.now() - 5_000);
      utimesSync(file, old, old);
      expect(await cache.withLock('k', async () => 'ran')).toBe('ran');
      expect(existsSync(file)).toBe(false);
    });
  });

  it('breaks a lock of this host whose process is gone at once', async () => {
    const cache = await fresh({ lockTimeoutMs: 300 });
    writeFileSync(lockFile(cache.root, 'k'), JSON.stringify({ host: hostname().replace(/[^A-Za-z0-9-]/g, '-').slice(0, 64), pid: DEAD_PID, token: 't' }));
    expect(await cache.withLock('k', async () => 'ran')).toBe('ran');
  });

  it('keeps two holders apart across many leases (the holder renews it)', async () => {
    // Two caches on one directory stand for two nodes: only the file lock separates them.
    const a = await fresh({ lockLeaseMs: 90 });
    const b = await PluginCache.open({ root: a.root, lockLeaseMs: 90 });
    const events: string[] = [];
    const holdA = a.withLock('k', async () => { events.push('a-in'); await sleep(400); events.push('a-out'); });
    await sleep(30);
    const holdB = b.withLock('k', async () => { events.push('b-in'); });
    await Promise.all([holdA, holdB]);
    expect(events).toEqual(['a-in', 'a-out', 'b-in']);
    expect(readdirSync(join(a.root, 'locks'))).toEqual([]);
  });
});

describe('PluginCache.sweepTmp', () => {
  it("removes this host's downloads of dead processes, and another host's only when old", async () => {
    const cache = await fresh({ staleLockMs: 60_000 });
    const tmp = join(cache.root, 'tmp');
    const mine = cache.tmpPath('layer');
    writeFileSync(mine, 'in progress');
    writeFileSync(join(tmp, `layer-${DEAD_PID}-abcd.${hostname().replace(/[^A-Za-z0-9-]/g, '-').slice(0, 64)}`), 'dead');
    writeFileSync(join(tmp, `layer-${DEAD_PID}-abce`), 'dead, written before host names were recorded');
    writeFileSync(join(tmp, 'layer-77-abcf.other-node'), 'another node is downloading');
    writeFileSync(join(tmp, 'layer-78-abd0.other-node'), 'another node died long ago');
    const old = new Date(Date.now() - 120_000);
    utimesSync(join(tmp, 'layer-78-abd0.other-node'), old, old);
    await cache.sweepTmp();
    expect(readdirSync(tmp).sort()).toEqual([mine.split('/').pop(), 'layer-77-abcf.other-node'].sort());
  });
});
