import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileCommand } from '@plugway/command';
import { parseCommand } from '@plugway/command';
import { createPolicy, evaluateCommand, type Decision, type PolicyOptions } from './index.js';
import { codes } from './__fixtures__/resolver.js';

const file = (path: string): FileCommand => ({ scheme: 'file', raw: `file://${path}`, path });
const decide = (path: string, options: PolicyOptions = {}): Promise<Decision> => evaluateCommand(file(path), createPolicy(options));

describe('file:// paths (real temp files, dirs and symlinks)', () => {
  let root: string;
  beforeAll(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'policy-')));
    for (const d of ['plugins', 'plugins/sub', 'elsewhere', 'std']) mkdirSync(join(root, d));
    for (const [f, mode] of [['plugins/ok', 0o755], ['plugins/sub/deep', 0o755], ['plugins/noexec', 0o644], ['plugins/ownerexec', 0o700], ['elsewhere/tool', 0o755], ['std/p', 0o755]] as const) {
      writeFileSync(join(root, f), '#!/bin/sh\n');
      chmodSync(join(root, f), mode);
    }
    symlinkSync(join(root, 'elsewhere/tool'), join(root, 'plugins/escape'));
    symlinkSync(join(root, 'plugins/ok'), join(root, 'plugins/alias'));
    symlinkSync(join(root, 'elsewhere'), join(root, 'plugins/linkdir'));
    symlinkSync(join(root, 'std/p'), join(root, 'plugins/to-std'));
    symlinkSync(join(root, 'plugins/loop'), join(root, 'plugins/loop'));
    symlinkSync(join(root, 'nowhere'), join(root, 'plugins/dangling'));
    symlinkSync(join(root, 'std'), join(root, 'std-link'));
    symlinkSync(join(root, 'plugins'), join(root, 'plugins-link'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const glob = (): PolicyOptions => ({ allowlist: [`${root}/plugins/*`], pluginDirs: [`${root}/std`] });

  it('allows an executable matching an allowlist glob, without warnings, and runs the real path', async () => {
    expect(await decide(`${root}/plugins/ok`, glob())).toEqual({ allowed: true, warnings: [], target: { kind: 'file', path: `${root}/plugins/ok` } });
    expect(await decide(`${root}/plugins/ownerexec`, glob())).toMatchObject({ allowed: true });
  });
  it('allows one inside the standard plugin dirs without warnings', async () => {
    expect(await decide(`${root}/std/p`, { pluginDirs: [`${root}/std/`] })).toMatchObject({ allowed: true, warnings: [] });
    expect(await decide(`${root}/std//p`, { pluginDirs: [`${root}/std`] })).toMatchObject({ allowed: true, warnings: [], target: { path: `${root}/std/p` } });
  });
  it('warns outside the standard plugin directories when no path glob is configured', async () => {
    expect(codes(await decide(`${root}/elsewhere/tool`))).toEqual(['POLICY_WARN_OUTSIDE_PLUGIN_DIRS']);
  });
  it.each([
    ['plugins/noexec', 'POLICY_PATH_NOT_EXECUTABLE'],
    ['plugins/sub/deep', 'POLICY_NOT_ALLOWLISTED'],
    ['elsewhere/tool', 'POLICY_NOT_ALLOWLISTED'],
    ['plugins/escape', 'POLICY_PATH_SYMLINK_ESCAPE'],
    ['plugins/linkdir/tool', 'POLICY_NOT_ALLOWLISTED'],
    ['plugins/to-std', 'POLICY_PATH_SYMLINK_ESCAPE'],
    ['plugins/missing', 'POLICY_PATH_NOT_FOUND'],
    ['plugins/loop', 'POLICY_PATH_NOT_FOUND'],
    ['plugins/dangling', 'POLICY_PATH_NOT_FOUND'],
    ['plugins/ok/below-a-file', 'POLICY_PATH_NOT_FOUND'],
  ])('%s is denied with %s', async (rel, code) => {
    const d = await decide(`${root}/${rel}`, glob());
    expect(d.allowed).toBe(false);
    expect(codes(d)).toEqual([code]);
  });
  it('a directory is POLICY_PATH_NOT_FILE', async () => {
    expect(codes(await decide(`${root}/plugins/sub`, { allowlist: [`${root}/plugins/**`] }))).toEqual(['POLICY_PATH_NOT_FILE']);
    expect(codes(await decide(`${root}/plugins/sub`))).toEqual(['POLICY_PATH_NOT_FILE']);
  });
  it('** crosses directories', async () => {
    expect(await decide(`${root}/plugins/sub/deep`, { allowlist: [`file://${root}/plugins/**`] })).toMatchObject({ allowed: true, warnings: [] });
    // …and a symlinked directory below it cannot lead out
    expect(codes(await decide(`${root}/plugins/linkdir/tool`, { allowlist: [`${root}/plugins/**`] }))).toEqual(['POLICY_PATH_SYMLINK_ESCAPE']);
  });
  it.each([
    ['/usr/local/plugins/../../etc/passwd', 'POLICY_PATH_TRAVERSAL'],
    ['/..', 'POLICY_PATH_TRAVERSAL'],
    ['relative/plugin', 'POLICY_PATH_INVALID'],
    ['/usr/local/plugins/a\0b', 'POLICY_PATH_INVALID'],
  ])('%j is denied with %s before touching the file system', async (path, code) => {
    const d = await evaluateCommand(file(path), createPolicy(glob()), { realpath: () => Promise.reject(new Error('must not be called')) });
    expect(codes(d)).toEqual([code]);
  });
  it('warns about a symlink that stays inside, and runs the real path', async () => {
    const d = await decide(`${root}/plugins/alias`, glob());
    expect(d.allowed && d.target).toEqual({ kind: 'file', path: `${root}/plugins/ok` });
    expect(codes(d)).toEqual(['POLICY_WARN_SYMLINK']);
  });
  it('warn mode (AI Studio legacy) allows non-matching paths with a warning but never a symlink escape', async () => {
    const warn = { ...glob(), allowlistMode: 'warn' as const };
    expect(codes(await decide(`${root}/elsewhere/tool`, warn))).toEqual(['POLICY_WARN_NOT_ALLOWLISTED', 'POLICY_WARN_OUTSIDE_PLUGIN_DIRS']);
    expect(codes(await decide(`${root}/plugins/to-std`, warn))).toEqual(['POLICY_WARN_SYMLINK', 'POLICY_WARN_NOT_ALLOWLISTED']);
    expect(codes(await decide(`${root}/plugins/escape`, warn))).toEqual(['POLICY_PATH_SYMLINK_ESCAPE']);
  });
  it('trusted locations behind a symlink still trust what is really inside them', async () => {
    expect(await decide(`${root}/std-link/p`, { pluginDirs: [`${root}/std-link`] })).toMatchObject({ allowed: true, target: { path: `${root}/std/p` }, warnings: [{ code: 'POLICY_WARN_SYMLINK' }] });
    expect(await decide(`${root}/plugins-link/ok`, { allowlist: [`${root}/plugins-link/*`] })).toMatchObject({ allowed: true, target: { path: `${root}/plugins/ok` } });
    expect(codes(await decide(`${root}/plugins-link/escape`, { allowlist: [`${root}/plugins-link/*`] }))).toEqual(['POLICY_PATH_SYMLINK_ESCAPE']);
    expect(await decide(`${root}/plugins/ok`, { allowlist: [`${root}/plugins/ok`] })).toMatchObject({ allowed: true, warnings: [] });
    expect(codes(await decide(`${root}/plugins/ok`, { allowlist: ['/*'] }))).toEqual(['POLICY_NOT_ALLOWLISTED']);
  });
  it('grpc-only allowlists do not restrict file:// paths', async () => {
    expect(codes(await decide(`${root}/elsewhere/tool`, { allowlist: ['grpc://10.0.0.0/8'] }))).toEqual(['POLICY_WARN_OUTSIDE_PLUGIN_DIRS']);
  });
  it('uses an injected realpath, and a file that vanishes after it is POLICY_PATH_NOT_FOUND', async () => {
    const d = await evaluateCommand(file('/usr/local/plugins/x'), createPolicy({ pluginDirs: ['/usr/local/plugins', root] }), { realpath: async () => `${root}/vanished` });
    expect(codes(d)).toEqual(['POLICY_PATH_NOT_FOUND']);
    const ok = await evaluateCommand(file('/usr/local/plugins/x'), createPolicy({ pluginDirs: ['/usr/local/plugins', `${root}/plugins`] }), { realpath: async () => `${root}/plugins/ok` });
    expect(ok).toMatchObject({ allowed: true, target: { path: `${root}/plugins/ok` }, warnings: [{ code: 'POLICY_WARN_SYMLINK' }] });
  });
  it('aborts with POLICY_ABORTED when the signal fires during the file checks', async () => {
    const ac = new AbortController();
    const p = evaluateCommand(file(`${root}/plugins/ok`), createPolicy(glob()), { signal: ac.signal, realpath: async (x) => { if (x.endsWith('/ok')) ac.abort(); return x; } });
    await expect(p).rejects.toMatchObject({ code: 'POLICY_ABORTED' });
  });
  it('parses with @plugway/command and decides the same way', async () => {
    expect(await evaluateCommand(parseCommand(`file://${root}/plugins/ok`), createPolicy(glob()))).toMatchObject({ allowed: true, warnings: [] });
  });
});
