import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPluginSet, savePluginSet } from './saved-plugin-set.js';

const work = mkdtempSync(join(tmpdir(), 'edge-saved-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const set = { version: 7, receivedAt: '2026-12-01T10:00:00.000Z', plugins: [{ id: 'studio-1', name: 'A', slug: 'a', command: 'file:///bin/a', hookType: 'auth' as const, isActive: true, config: { k: 'v' }, order: 0 }] };

describe('the saved plugin set', () => {
  it('round-trips through the data dir (0600 file, no temp files left)', async () => {
    const dir = join(work, 'new', 'dir');
    await savePluginSet(dir, set);
    await savePluginSet(dir, { ...set, version: 8 });
    expect(await loadPluginSet(dir)).toEqual({ ...set, version: 8 });
    expect(readdirSync(dir)).toEqual(['plugin-set.json']);
    expect(statSync(join(dir, 'plugin-set.json')).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['missing', undefined],
    ['not JSON', '{"version": 1, "recei'],
    ['of another shape', JSON.stringify({ version: 1, plugins: 'all' })],
  ])('is undefined when the file is %s', async (_name, text) => {
    const dir = mkdtempSync(join(work, 'bad-'));
    if (text !== undefined) writeFileSync(join(dir, 'plugin-set.json'), text);
    expect(await loadPluginSet(dir)).toBeUndefined();
  });
});
