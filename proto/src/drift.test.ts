import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// The committed generated code must be exactly what buf + ts-proto produce from the .proto files.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GENERATED = join(ROOT, 'proto', 'src', '__generated__');

function files(dir: string, base = dir): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) Object.assign(out, files(p, base));
    else out[relative(base, p)] = readFileSync(p, 'utf8');
  }
  return out;
}

describe('generated code', () => {
  it('has no drift from proto/**/*.proto (regenerate with npm run proto)', () => {
    const out = mkdtempSync(join(tmpdir(), 'proto-drift-'));
    try {
      const buf = join(ROOT, 'node_modules', '.bin', 'buf');
      const r = spawnSync(buf, ['generate', '--output', out], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(files(join(out, 'proto', 'src', '__generated__'))).toEqual(files(GENERATED));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);

  it('passes buf lint', () => {
    const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'buf'), ['lint'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 60_000);
});
