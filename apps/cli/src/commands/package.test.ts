import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli.js';
import { classifyPluginFile } from '../plugin-file.js';
import { memoryIo } from '../testing-io.js';

const EXAMPLE = fileURLToPath(new URL('../../../../examples/header-injector', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'cli-package-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function pkg(args: string[]): Promise<{ code: number; json: { ok: boolean; sha256?: string; file?: string; size?: number; error?: { code: string; message: string } } }> {
  const io = memoryIo({ PATH: process.env.PATH });
  const code = await runCli(['package', ...args, '--json'], io);
  return { code, json: JSON.parse(io.out()) };
}

describe('plugway package', () => {
  it('bundles an example into one runnable file; the same sources give the same bytes', async () => {
    const [a, b] = await Promise.all([pkg([EXAMPLE, '--out', join(work, 'a', 'plugin')]), pkg([join(EXAMPLE, 'plugin.ts'), '--out', join(work, 'b', 'plugin')])]);
    expect(a.code, JSON.stringify(a.json)).toBe(0);
    expect(b.json.sha256).toBe(a.json.sha256);
    expect(readFileSync(a.json.file!)).toEqual(readFileSync(b.json.file!));
    expect(statSync(a.json.file!).mode & 0o111).not.toBe(0);
    expect(a.json.size).toBeLessThan(2 * 1024 * 1024); // the SDK and grpc-js inside; a Node SEA would be ≥ the node binary (~99 MB)
    expect(classifyPluginFile(a.json.file!, {})).toEqual({ kind: 'packaged', header: { runtime: 'node', minNodeVersion: '20.19.0' } });
  }, 60_000);

  it('answers a directory without an entry with exit 2, and a source that does not compile with exit 1 and its line', async () => {
    const empty = mkdtempSync(join(work, 'empty-'));
    const none = await pkg([empty]);
    expect(none.code).toBe(2);
    expect(none.json.error?.message).toContain('no plugin entry');
    writeFileSync(join(empty, 'plugin.ts'), 'export const x = ;\n');
    const broken = await pkg([empty]);
    expect(broken.code).toBe(1);
    expect(broken.json.error?.message).toMatch(/plugin\.ts:1: /);
  });
});
