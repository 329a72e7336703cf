import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTempPostgres, type TempPostgres } from '../testing/postgres.js';
import { DEMO_PLUGIN, startHarness } from '../testing/harness.js';
import { PostgresStore } from './postgres-store.js';
import type { NewPlugin } from './plugin-store.js';
import { checkVersionContract } from '../testing/store-contract.js';

const rec = (slug: string): NewPlugin => ({ name: slug, slug, description: '', command: 'file:///x', hook_type: 'auth', hook_types: ['auth'], plugin_type: 'gateway', is_active: true, oci_reference: null, namespace: '', checksum: null, handshake: null, sandbox: null, config: { a: [1] } });

describe('PostgresStore (a real temporary PostgreSQL)', () => {
  let server: TempPostgres;
  let store: PostgresStore;
  beforeAll(async () => { server = await startTempPostgres(); store = await PostgresStore.open(server.url); }, 300_000);
  afterAll(async () => { await store?.close(); await server?.stop(); });

  it('migrates once, stores, pages, enforces unique slugs, updates and deletes', async () => {
    const again = await PostgresStore.open(server.url);
    await again.close();
    const a = await store.create(rec('pg-a'));
    expect(a).toMatchObject({ slug: 'pg-a', is_active: true, config: { a: [1] }, oci_reference: null });
    const b = await store.create(rec('pg-b'));
    await expect(store.create(rec('pg-a'))).rejects.toMatchObject({ code: 'STUDIO_SLUG_TAKEN' });
    await expect(store.update(b.id, { slug: 'pg-a' })).rejects.toMatchObject({ code: 'STUDIO_SLUG_TAKEN' });
    expect(await store.update(b.id, { is_active: false })).toMatchObject({ is_active: false });
    expect(await store.list({ limit: 1, offset: 1 })).toMatchObject({ total: 2, items: [{ slug: 'pg-b' }] });
    expect(await store.list({ limit: 10, offset: 0 }, { hook_type: 'auth', is_active: false })).toMatchObject({ total: 1, items: [{ slug: 'pg-b', hook_types: ['auth'] }] });
    expect(await store.delete(a.id)).toBe(true);
    expect(await store.get(a.id)).toBeUndefined();
    expect(await store.delete(b.id)).toBe(true);
  });

  it('versions every change of the plugin set, records edges, and tells watchers of other connections', async () => {
    await checkVersionContract(store, 'pg');
    const other = await PostgresStore.open(server.url);
    try {
      let heard = 0;
      const stop = other.watch(() => { heard++; });
      // The first call comes when the listener is connected (a reconnect also calls, to catch up).
      for (let i = 0; i < 100 && heard === 0; i++) await new Promise((r) => setTimeout(r, 20));
      const before = heard;
      await store.create(rec('pg-watched'));
      for (let i = 0; i < 100 && heard === before; i++) await new Promise((r) => setTimeout(r, 20));
      expect(heard).toBeGreaterThan(before);
      stop();
    } finally {
      await other.close();
    }
  });

  it('the studio runs on DATABASE_URL=postgres://…', async () => {
    const h = await startHarness({ DATABASE_URL: server.url });
    try {
      const c = await h.api('/api/v1/plugins', { method: 'POST', body: { name: 'PG', slug: 'pg-studio', command: `file://${DEMO_PLUGIN}`, hook_type: 'pre_auth', is_active: false } });
      expect(c.status).toBe(201);
      expect((await h.api('/api/v1/plugins')).body.data.map((p: { slug: string }) => p.slug)).toContain('pg-studio');
      expect(h.store.kind).toBe('postgres');
      expect(h.logs.join('')).not.toMatch(/postgres:\/\/plugway@/);
    } finally {
      await h.stop();
    }
  });
});
