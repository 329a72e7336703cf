import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { formatPackageHeader, readPackageHeader } from './package-header.js';
import { classifyPluginFile } from './plugin-file.js';
import { memoryIo } from './testing-io.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-plugin-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const EXAMPLE_WRAPPER = fileURLToPath(new URL('../../../examples/header-injector/plugin', import.meta.url));
const env = { PATH: '/usr/bin:/bin' };

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  chmodSync(p, 0o755);
  return p;
}

describe('classifyPluginFile', () => {
  it.each([
    ['an ELF executable', file('elf', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])), 'elf'],
    ['a Mach-O executable', file('macho', Buffer.from([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1])), 'mach-o'],
    ['a /bin/sh script', file('ok.sh', '#!/bin/sh\necho hi\n'), 'script'],
    ['an env-form script whose interpreter is on PATH', file('env.sh', '#!/usr/bin/env sh\necho hi\n'), 'script'],
    ['a packaged plugin', file('packaged', `${formatPackageHeader({ runtime: 'node', minNodeVersion: '20.19.0' })}console.log(1)\n`), 'packaged'],
  ])('accepts %s', (_, path, kind) => {
    expect(classifyPluginFile(path, env).kind).toBe(kind);
  });

  it.each([
    ['a TypeScript source', file('plugin.ts', 'import { servePlugin } from "@plugway/plugin-sdk";\n')],
    ['the examples-style wrapper', EXAMPLE_WRAPPER],
    ['a wrapper that runs a file next to itself', file('run.sh', '#!/bin/sh\nhere=$(cd "$(dirname "$0")" && pwd)\nexec "$here/../run-plugin.sh" "$here"\n')],
    ['an unpackaged node script', file('plain.mjs', '#!/usr/bin/env node\nimport "./other.js";\n')],
    ['a script whose interpreter does not resolve', file('nope.sh', '#!/usr/bin/env no-such-interpreter-xyz\n')],
    ['an absolute interpreter that does not exist', file('abs.sh', '#!/opt/nowhere/bin/python9\n')],
  ])('refuses %s, naming plugway package', (_, path) => {
    const r = classifyPluginFile(path, env);
    expect(r.kind).toBe('refused');
    expect(r.kind === 'refused' && r.reason).toContain('plugway package');
  });

  it('refuses a directory and a missing file', () => {
    expect(classifyPluginFile(dir, env).kind).toBe('refused');
    expect(classifyPluginFile(join(dir, 'missing'), env).kind).toBe('refused');
  });

  it('reads back only a well-formed package header', () => {
    expect(readPackageHeader(Buffer.from(formatPackageHeader({ runtime: 'node', minNodeVersion: '20.19.0' })))).toEqual({ runtime: 'node', minNodeVersion: '20.19.0' });
    expect(readPackageHeader(Buffer.from('#!/usr/bin/env node\n// plugway-package {"runtime":"python"}\n'))).toBeUndefined();
    expect(readPackageHeader(Buffer.from('#!/usr/bin/env node\n// plugway-package {oops\n'))).toBeUndefined();
  });
});

describe('plugway push <file>', () => {
  // The registry is never contacted for a refused file: 127.0.0.1:9 would fail with a registry error, not exit 2.
  it('refuses a .ts file with exit 2 and a message naming plugway package', async () => {
    const io = memoryIo(env);
    const code = await runCli(['push', join(dir, 'plugin.ts'), 'oci://127.0.0.1:9/plugins/x:1', '--json'], io);
    expect(code).toBe(2);
    const out = JSON.parse(io.out()) as { ok: boolean; error: { code: string; message: string } };
    expect(out.error.message).toContain('plugway package');
  });

  it('pushes a refused file anyway with --force, after a warning', async () => {
    const io = memoryIo(env);
    const code = await runCli(['push', EXAMPLE_WRAPPER, 'oci://127.0.0.1:9/plugins/x:1', '--force', '--json'], io);
    expect(io.err()).toContain('warning: pushing anyway (--force)');
    expect(JSON.parse(io.out()).error.code).toMatch(/^OCI_/); // got as far as the (unreachable) registry
    expect(code).toBe(1);
  });
});
