// Test helper: what both stores promise about plugin-set versions and edges (run against SQLite and PostgreSQL).
import { expect } from 'vitest';
import type { NewPlugin, PluginStore } from '../store/plugin-store.js';

const rec = (slug: string): NewPlugin => ({ name: slug, slug, description: '', command: 'file:///x', hook_type: 'auth', hook_types: ['auth'], plugin_type: 'gateway', is_active: true, oci_reference: null, namespace: '', checksum: null, handshake: null, sandbox: null, config: {} });

/** Every write (create, update, touch, delete) moves the set version forward and stamps the row; no-ops do not. */
export async function checkVersionContract(store: PluginStore, prefix: string): Promise<void> {
  const v0 = (await store.snapshot()).version;
  const a = await store.create(rec(`${prefix}-a`));
  expect(a.version).toBe(v0 + 1);
  expect(a).toMatchObject({ handshake: null, sandbox: null });
  const own = { handshake: { magicCookieKey: 'K', magicCookieValue: 'v', appProtocolVersion: 2 }, sandbox: { user: 65534, limits: { openFiles: 8 } } };
  const updated = await store.update(a.id, { is_active: false, ...own });
  expect(updated?.version).toBe(v0 + 2);
  expect(updated).toMatchObject(own);
  expect((await store.touch(a.id))?.version).toBe(v0 + 3);
  expect(await store.touch(999_999)).toBeUndefined();
  expect(await store.update(999_999, { name: 'x' })).toBeUndefined();
  const snap = await store.snapshot();
  expect(snap.version).toBe(v0 + 3);
  expect(snap.plugins.find((p) => p.id === a.id)).toMatchObject({ version: v0 + 3, is_active: false, ...own });
  expect(await store.delete(a.id)).toBe(true);
  expect(await store.delete(a.id)).toBe(false);
  expect((await store.snapshot()).version).toBe(v0 + 4);

  await store.recordEdge({ id: `${prefix}-edge`, applied_version: 3, status: 'ok', last_seen: '2026-01-01T00:00:00.000Z' });
  await store.recordEdge({ id: `${prefix}-edge`, applied_version: 4, status: 'degraded', last_seen: '2026-01-01T00:00:05.000Z' });
  expect((await store.listEdges()).filter((e) => e.id === `${prefix}-edge`)).toEqual([{ id: `${prefix}-edge`, applied_version: 4, status: 'degraded', last_seen: '2026-01-01T00:00:05.000Z' }]);
}
