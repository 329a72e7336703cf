import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from './sqlite-store.js';
import type { NewPlugin } from './plugin-store.js';
import { checkVersionContract } from '../testing/store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'studio-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rec = (slug: string): NewPlugin => ({ name: slug, slug, description: '', command: 'file:///x', hook_type: 'auth', hook_types: ['auth'], plugin_type: 'gateway', is_active: true, oci_reference: null, namespace: '', checksum: null, handshake: null, sandbox: null, config: { a: [1, { b: 'c' }] } });

describe('SqliteStore', () => {
  it('uses WAL, records migrations once, and survives reopening', async () => {
    const path = join(dir, 'sub', 'a.db');
    const s = new SqliteStore(path);
    const p = await s.create(rec('one'));
    expect(p).toMatchObject({ id: 1, slug: 'one', is_active: true, config: { a: [1, { b: 'c' }] }, oci_reference: null });
    await s.close();
    const s2 = new SqliteStore(path);
    expect(await s2.get(1)).toEqual(p);
    await s2.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.prepare('SELECT version, name FROM schema_migrations').all()).toEqual([{ version: 1, name: 'plugins' }, { version: 2, name: 'ai studio fields' }, { version: 3, name: 'edge credentials' }, { version: 4, name: 'plugin-set versions and edges' }, { version: 5, name: 'plugin handshake and sandbox' }]);
    raw.close();
  });
  it('enforces unique slugs with STUDIO_SLUG_TAKEN, updates, pages and deletes', async () => {
    const s = new SqliteStore(':memory:');
    await s.create(rec('a'));
    const b = await s.create(rec('b'));
    await expect(s.create(rec('a'))).rejects.toMatchObject({ code: 'STUDIO_SLUG_TAKEN' });
    await expect(s.update(b.id, { slug: 'a' })).rejects.toMatchObject({ code: 'STUDIO_SLUG_TAKEN' });
    const u = await s.update(b.id, { is_active: false, config: { z: 1 } });
    expect(u).toMatchObject({ is_active: false, config: { z: 1 } });
    expect(await s.list({ limit: 1, offset: 1 })).toMatchObject({ total: 2, items: [{ slug: 'b' }] });
    expect(await s.list({ limit: 10, offset: 0 }, { is_active: false })).toMatchObject({ total: 1, items: [{ slug: 'b' }] });
    expect(await s.list({ limit: 10, offset: 0 }, { hook_type: 'auth', is_active: true })).toMatchObject({ total: 1, items: [{ slug: 'a', hook_types: ['auth'] }] });
    expect(await s.list({ limit: 10, offset: 0 }, { hook_type: 'pre_auth' })).toEqual({ total: 0, items: [] });
    expect(await s.delete(b.id)).toBe(true);
    expect(await s.delete(b.id)).toBe(false);
    expect(await s.update(999, { name: 'x' })).toBeUndefined();
    await s.close();
  });
  it('versions every change of the plugin set and records edges', async () => {
    const s = new SqliteStore(':memory:');
    await checkVersionContract(s, 'sq');
    await s.close();
  });
});
