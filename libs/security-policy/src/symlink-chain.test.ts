// Kubernetes volume layouts (issue #15): a symlink that stays in the allowlisted directory is allowed, one that leaves
// it is refused. Real directories and symlinks in a temp dir, laid out the way the kubelet's atomic writer does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FileCommand } from '@plugway/command';
import { createPolicy, evaluateCommand, type Decision, type PolicyOptions } from './index.js';
import { resolveChain } from './symlink-chain.js';
import { codes } from './__fixtures__/resolver.js';

const TS = '..2026_12_01_10_00_00.123';
const file = (path: string): FileCommand => ({ scheme: 'file', raw: `file://${path}`, path });
const decide = (path: string, options: PolicyOptions): Promise<Decision> => evaluateCommand(file(path), createPolicy(options));

let root: string;
function exe(rel: string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), '#!/bin/sh\n');
  chmodSync(join(root, rel), 0o755);
}
const link = (target: string, rel: string): void => symlinkSync(target, join(root, rel));

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'policy-k8s-')));
  // ConfigMap (defaultMode 0755) mounted at plugins/: my-plugin → ..data/my-plugin, ..data → ..<timestamp>
  exe(`plugins/${TS}/my-plugin`);
  link(TS, 'plugins/..data');
  link('..data/my-plugin', 'plugins/my-plugin');
  // Secret with items: [{ key: plugin, path: bin/plugin }] — the top-level entry is a link to a directory in ..data
  exe(`secret/${TS}/bin/plugin`);
  link(TS, 'secret/..data');
  link('..data/bin', 'secret/bin');
  // Projected volume (configMap + serviceAccountToken sources), same atomic writer
  exe(`projected/${TS}/plugin`);
  writeFileSync(join(root, `projected/${TS}/token`), 'x');
  link(TS, 'projected/..data');
  link('..data/plugin', 'projected/plugin');
  link('..data/token', 'projected/token');
  // Escapes: a sibling directory outside, ..data itself pointing outside, a chain leaving and re-entering, ".." up and out
  exe('outside/tool');
  link('../outside/tool', 'plugins/sibling');
  link(`${root}/outside`, 'plugins/..evil');
  link('..evil/tool', 'plugins/via-data');
  link(`${root}/plugins/${TS}/my-plugin`, 'outside/hop');
  link(`${root}/outside/hop`, 'plugins/boomerang');
  link('../../outside/tool', `plugins/${TS}/up`);
  link('..data/up', 'plugins/up');
  link('loop-b', 'outside/loop-a');
  link('loop-a', 'outside/loop-b');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('symlink-aware allowlisting (Kubernetes volume layouts)', () => {
  it.each([
    ['ConfigMap', 'plugins/my-plugin', 'plugins/*', `plugins/${TS}/my-plugin`],
    ['Secret with a nested item path', 'secret/bin/plugin', 'secret/**', `secret/${TS}/bin/plugin`],
    ['projected volume, exact entry', 'projected/plugin', 'projected/plugin', `projected/${TS}/plugin`],
  ])('%s: allowed, and the checked real path is what runs', async (_layout, name, glob, real) => {
    const d = await decide(`${root}/${name}`, { allowlist: [`${root}/${glob}`], pluginDirs: [] });
    expect(d).toMatchObject({ allowed: true, target: { kind: 'file', path: `${root}/${real}` } });
    expect(codes(d)).toEqual(['POLICY_WARN_SYMLINK']);
  });

  it.each([
    ['a sibling directory outside', 'plugins/sibling', 'outside/tool'],
    ['..data pointing outside', 'plugins/via-data', 'outside/tool'],
    ['a chain leaving and re-entering', 'plugins/boomerang', 'outside/hop'],
    ['a ".." target climbing out of the timestamped dir', 'plugins/up', 'outside/tool'],
  ])('%s: POLICY_PATH_SYMLINK_ESCAPE, in enforce and in warn mode', async (_case, name, outside) => {
    for (const allowlistMode of ['enforce', 'warn'] as const) {
      const d = await decide(`${root}/${name}`, { allowlist: [`${root}/plugins/*`], allowlistMode, pluginDirs: [] });
      expect(d.allowed).toBe(false);
      expect(codes(d)).toEqual(['POLICY_PATH_SYMLINK_ESCAPE']);
      expect(!d.allowed && d.violations[0]!.details).toMatchObject({ outside: `${root}/${outside}` });
    }
  });

  it('..data replaced between check and launch: the decision holds the real path that was checked, never the name', async () => {
    const d = await decide(`${root}/plugins/my-plugin`, { allowlist: [`${root}/plugins/*`], pluginDirs: [] });
    const checked = d.allowed && d.target.kind === 'file' ? d.target.path : '';
    // The kubelet's update: a new timestamped dir, then ..data is renamed over atomically.
    exe(`plugins/..2026_12_02/my-plugin`);
    link('..2026_12_02', 'plugins/..data-tmp');
    renameSync(join(root, 'plugins/..data-tmp'), join(root, 'plugins/..data'));
    expect(checked).toBe(`${root}/plugins/${TS}/my-plugin`);
    expect(await decide(`${root}/plugins/my-plugin`, { allowlist: [`${root}/plugins/*`], pluginDirs: [] })).toMatchObject({ allowed: true, target: { path: `${root}/plugins/..2026_12_02/my-plugin` } });
  });

  it('a directory that changes between the realpath and the walk is refused', async () => {
    const opts = { allowlist: [`${root}/plugins/*`], pluginDirs: [] };
    // realpath saw one file, the walk finds another (or nothing): trust neither
    const moved = await evaluateCommand(file(`${root}/plugins/my-plugin`), createPolicy(opts), { realpath: async (x) => (x.endsWith('my-plugin') ? `${root}/plugins/${TS}/my-plugin` : x) });
    expect(codes(moved)).toEqual(['POLICY_PATH_SYMLINK_ESCAPE']);
    const gone = await evaluateCommand(file(`${root}/plugins/ghost`), createPolicy(opts), { realpath: async (x) => (x.endsWith('ghost') ? `${root}/plugins/${TS}/my-plugin` : x) });
    expect(codes(gone)).toEqual(['POLICY_PATH_SYMLINK_ESCAPE']);
  });
});

describe('resolveChain', () => {
  it('lists every link it follows and ends at the real path', async () => {
    expect(await resolveChain(root, '/plugins/./boomerang')).toEqual({ real: realpathSync(`${root}/plugins/boomerang`), links: [`${root}/plugins/boomerang`, `${root}/outside/hop`] });
  });
  it('fails with ELOOP on a link cycle', async () => {
    await expect(resolveChain(root, 'outside/loop-a')).rejects.toMatchObject({ code: 'ELOOP' });
  });
});
