// push → sign → verify → pull → inspect with the real CLI process against a real registry: packaging, signing and
// publishing a plugin without Docker or cosign.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRegistry, type TestRegistry } from '../../../../tools/test-registry/index.mjs';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
let reg: TestRegistry;
let work: string;

function plugway(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['apps/cli/dist/main.js', ...args], { cwd: REPO, encoding: 'utf8', env: { PATH: process.env.PATH!, HOME: work, ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const json = (s: string) => JSON.parse(s.trim().split('\n').at(-1)!);

beforeAll(async () => {
  reg = await startRegistry();
  work = mkdtempSync(join(tmpdir(), 'cli-oci-'));
  writeFileSync(join(work, 'plugin.sh'), '#!/bin/sh\necho from-cli\n');
  chmodSync(join(work, 'plugin.sh'), 0o755);
});
afterAll(async () => {
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('plugway OCI commands', { timeout: 120_000 }, () => {
  it('keygen, push, sign, verify, pull and inspect a plugin', () => {
    const ref = `oci://${reg.host}/plugins/cli-demo:1.0.0`;
    expect(plugway(['keygen', '--out', join(work, 'release'), '--json']).code).toBe(0);

    const push = plugway(['push', join(work, 'plugin.sh'), ref, '--json']);
    expect(push.code, push.stderr).toBe(0);
    const { digest } = json(push.stdout);
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);

    const unsigned = plugway(['verify', ref, '--key', join(work, 'release.pub'), '--json']);
    expect(unsigned.code).toBe(1);
    expect(json(unsigned.stdout).error.code).toBe('OCI_SIGNATURE_MISSING');

    const sign = plugway(['sign', ref, '--key', join(work, 'release.key'), '--json']);
    expect(sign.code, sign.stderr).toBe(0);

    const env = { OCI_PLUGINS_PUBKEY_RELEASE: readFileSync(join(work, 'release.pub'), 'utf8') };
    const verify = plugway(['verify', `${ref}?pubkey=release`, '--json'], env);
    expect(verify.code, verify.stderr).toBe(0);
    expect(json(verify.stdout)).toMatchObject({ ok: true, digest, verifiedBy: 'release' });

    const pull = plugway(['pull', ref, '--cache-dir', join(work, 'cache'), '--require-signature', '--json'], env);
    expect(pull.code, pull.stderr).toBe(0);
    const pulled = json(pull.stdout);
    expect(pulled).toMatchObject({ ok: true, verifiedBy: 'release', fromCache: false });
    expect(spawnSync(pulled.path, { encoding: 'utf8' }).stdout.trim()).toBe('from-cli');

    // a second artifact signed with a sigstore bundle instead of the .sig tag
    const ref2 = `oci://${reg.host}/plugins/cli-bundle:1.0.0`;
    expect(plugway(['push', join(work, 'plugin.sh'), ref2]).code).toBe(0);
    const sb = plugway(['sign', ref2, '--key', join(work, 'release.key'), '--bundle', '--json']);
    expect(sb.code, sb.stderr).toBe(0);
    expect(json(plugway(['verify', ref2, '--key', join(work, 'release.pub'), '--json']).stdout)).toMatchObject({ ok: true });

    const inspect = plugway(['inspect', ref, '--json']);
    expect(json(inspect.stdout)).toMatchObject({ digest, signed: true, artifactType: 'application/vnd.plugway.plugin.v1' });
  });

  it('answers bad input with a code and exit 2, registry failures with exit 1', () => {
    const bad = plugway(['pull', 'oci://registry.example/a//b', '--json']);
    expect(bad.code).toBe(2);
    expect(json(bad.stdout).error.code).toMatch(/^COMMAND_/);
    const missing = plugway(['pull', `oci://${reg.host}/plugins/nope:1`, '--cache-dir', join(work, 'c2'), '--json']);
    expect(missing.code).toBe(1);
    expect(json(missing.stdout).error.code).toBe('OCI_MANIFEST_NOT_FOUND');
    expect(plugway(['sign', `oci://${reg.host}/plugins/x:1`]).code).toBe(2);
  });
});
