import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli.js';
import { memoryIo } from '../testing-io.js';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
// security-policy requires file:// plugins to exist and be executable: use a real example plugin.
const EXAMPLE_PLUGIN = `${REPO_ROOT}examples/header-injector/plugin`;

interface Finding {
  code: string;
  message: string;
}
interface Verdict {
  ok: boolean;
  decision?: 'allow' | 'allow-with-warnings' | 'deny';
  command?: { scheme: string; [k: string]: unknown };
  warnings?: Finding[];
  violations?: Finding[];
  target?: unknown;
  error?: { code: string; message: string };
}

async function validate(args: string[], env: Record<string, string> = {}) {
  const io = memoryIo(env);
  const code = await runCli(['validate', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

async function validateJson(command: string, env: Record<string, string> = {}) {
  const r = await validate([command, '--json'], env);
  return { code: r.code, json: JSON.parse(r.out) as Verdict, err: r.err };
}

// The policy variables a developer may have exported must not leak into the child processes.
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (/^(ALLOW_INTERNAL_NETWORK_ACCESS|PLUGIN_|OCI_PLUGINS_)/.test(k)) delete env[k];
  return { ...env, ...extra };
}

function runProcess(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['apps/cli/dist/main.js', ...args], { cwd: REPO_ROOT, env: cleanEnv(env), timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('plugway validate (in-process)', () => {
  describe('when the command is allowed', () => {
    it('an absolute file path exits 0 with decision allow', async () => {
      const { code, json } = await validateJson(`file://${EXAMPLE_PLUGIN}`);
      expect(code).toBe(0);
      expect(json.ok).toBe(true);
      expect(json.decision).toMatch(/^allow/);
      expect(json.command).toMatchObject({ scheme: 'file', path: EXAMPLE_PLUGIN });
      expect(json.violations).toEqual([]);
    });

    it('an OCI reference exits 0 and carries the parsed reference', async () => {
      const { code, json } = await validateJson('oci://ghcr.io/acme/auth-plugin:1.2.0?arch=linux/amd64');
      expect(code).toBe(0);
      expect(json.decision).toMatch(/^allow/);
      expect(json.command).toMatchObject({
        scheme: 'oci',
        reference: { registry: 'ghcr.io', repository: 'acme/auth-plugin', tag: '1.2.0' },
        options: { arch: 'linux/amd64' },
      });
    });

    it('an internal target with ALLOW_INTERNAL_NETWORK_ACCESS=true exits 0 with warnings', async () => {
      const { code, json } = await validateJson('grpc://10.0.0.5:50051', { ALLOW_INTERNAL_NETWORK_ACCESS: 'true' });
      expect(code).toBe(0);
      expect(json.decision).toBe('allow-with-warnings');
      expect(json.warnings!.length).toBeGreaterThan(0);
      expect(json.warnings![0]!.code).toMatch(/^POLICY_/);
    });

    it('an internal target inside an allowlisted CIDR exits 0', async () => {
      const { code, json } = await validateJson('grpc://10.1.2.3:50051', { PLUGIN_COMMAND_ALLOWLIST: 'grpc://10.0.0.0/8,/usr/local/plugins/*' });
      expect(code).toBe(0);
      expect(json.decision).toMatch(/^allow/);
    });

    it('prints ALLOW and the canonical command in human mode', async () => {
      const { code, out } = await validate(['oci://alpine']);
      expect(code).toBe(0);
      expect(out).toMatch(/^ALLOW(?: \(with warnings\))? oci:\/\/docker\.io\/library\/alpine:latest/);
    });

    it('prints ALLOW (with warnings) and each warning with its code', async () => {
      const { code, out } = await validate(['grpc://127.0.0.1:50051'], { ALLOW_INTERNAL_NETWORK_ACCESS: 'true' });
      expect(code).toBe(0);
      expect(out).toMatch(/^ALLOW \(with warnings\) grpc:\/\/127\.0\.0\.1:50051\n {2}warning POLICY_[A-Z_]+: /);
    });
  });

  describe('when the command is denied', () => {
    it.each(['grpc://10.0.0.5:50051', 'grpc://127.0.0.1:50051', 'grpc://localhost:50051', 'grpc://[::1]:50051', 'grpc://169.254.169.254:80', 'grpc://2130706433:80', 'grpc://0x7f.1:80'])(
      '%s exits 1 with decision deny and coded violations',
      async (command) => {
        const { code, json } = await validateJson(command);
        expect(code).toBe(1);
        expect(json.decision).toBe('deny');
        expect(json.violations!.length).toBeGreaterThan(0);
        for (const v of json.violations!) expect(v.code).toMatch(/^POLICY_/);
      },
    );

    it('prints DENY and each violation with its code', async () => {
      const { code, out } = await validate(['grpc://10.0.0.5:50051']);
      expect(code).toBe(1);
      expect(out).toMatch(/^DENY grpc:\/\/10\.0\.0\.5:50051\n {2}violation POLICY_[A-Z_]+: /);
    });
  });

  describe('when the input is bad', () => {
    it.each([
      ['file://./plugin', 'COMMAND_RELATIVE_PATH'],
      ['./plugin', 'COMMAND_MISSING_SCHEME'],
      ['grpc://host', 'COMMAND_MISSING_PORT'],
      ['oci://ghcr.io/a?foo=1', 'COMMAND_UNKNOWN_OPTION'],
    ])('%s exits 2 with %s (json)', async (command, errorCode) => {
      const { code, json } = await validateJson(command);
      expect(code).toBe(2);
      expect(json).toEqual({ ok: false, error: { code: errorCode, message: expect.any(String) } });
    });

    it('prints the CommandError code on stderr in human mode', async () => {
      const { code, out, err } = await validate(['file://./plugin']);
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err).toMatch(/^error COMMAND_RELATIVE_PATH: /);
    });

    it.each([[[]], [['a', 'b']], [['--bogus', 'grpc://h:1']]])('usage error %j exits 2', async (args) => {
      const { code, err } = await validate(args);
      expect(code).toBe(2);
      expect(err).toContain('plugway validate --help');
    });

    it('reports a usage error as JSON with --json', async () => {
      const { code, out } = await validate(['--json']);
      expect(code).toBe(2);
      expect(JSON.parse(out)).toEqual({ ok: false, error: { code: 'CLI_USAGE', message: 'missing <command>' } });
    });

    it('fails closed on invalid policy settings with their code', async () => {
      const { code, json } = await validateJson('grpc://10.0.0.5:50051', { PLUGIN_COMMAND_ALLOWLIST: 'grpc://10.0.0.0/99' });
      expect(code).toBe(2);
      expect(json.ok).toBe(false);
      expect(json.error!.code).toMatch(/^POLICY_/);
    });

    it('shows its usage with --help', async () => {
      const { code, out } = await validate(['--help']);
      expect(code).toBe(0);
      expect(out).toContain('Usage: plugway validate <command> [--json]');
    });
  });
});

describe('plugway validate (child process, node --import tsx apps/cli/src/main.ts)', () => {
  it('allowed file path: exit 0 and JSON on stdout', async () => {
    const r = await runProcess(['validate', `file://${EXAMPLE_PLUGIN}`, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, decision: expect.stringMatching(/^allow/), command: { scheme: 'file' } });
  });

  it('relative file path: exit 2 with the code', async () => {
    const r = await runProcess(['validate', 'file://./plugin', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'COMMAND_RELATIVE_PATH' } });
  });

  it('internal grpc target: exit 1, DENY', async () => {
    const r = await runProcess(['validate', 'grpc://10.0.0.5:50051']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^DENY /);
  });

  it('internal grpc target with ALLOW_INTERNAL_NETWORK_ACCESS=true: exit 0 with warnings', async () => {
    const r = await runProcess(['validate', 'grpc://10.0.0.5:50051', '--json'], { ALLOW_INTERNAL_NETWORK_ACCESS: 'true' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ decision: 'allow-with-warnings' });
  });

  it('allowlisted CIDR: exit 0', async () => {
    const r = await runProcess(['validate', 'grpc://10.9.8.7:50051', '--json'], { PLUGIN_COMMAND_ALLOWLIST: 'grpc://10.0.0.0/8' });
    expect(r.code).toBe(0);
  });

  it('oci reference: exit 0', async () => {
    const r = await runProcess(['validate', 'oci://localhost:5000/plugins/echo:1.0.0', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ command: { scheme: 'oci', reference: { registry: 'localhost:5000' } } });
    expect([0, 1]).toContain(r.code);
  });

  it('unknown command: exit 2 with usage; --help: exit 0', async () => {
    const bad = await runProcess(['frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Usage: plugway');
    const help = await runProcess(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('validate');
  });
});

// Issue #15: the Kubernetes ConfigMap example (mounted at /plugins, `defaultMode: 0755`) with PLUGIN_COMMAND_ALLOWLIST=/plugins/*.
describe('plugway validate with a ConfigMap volume layout', () => {
  it('allows my-plugin → ..data/my-plugin → ..<timestamp>/my-plugin and refuses a link out of the directory', async () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'validate-cm-')));
    try {
      const ts = '..2026_12_01_10_00_00.123';
      mkdirSync(join(root, 'plugins', ts), { recursive: true });
      writeFileSync(join(root, 'plugins', ts, 'my-plugin'), '#!/bin/sh\n', { mode: 0o755 });
      symlinkSync(ts, join(root, 'plugins/..data'));
      symlinkSync('..data/my-plugin', join(root, 'plugins/my-plugin'));
      symlinkSync('/bin/sh', join(root, 'plugins/shell'));
      const env = { PLUGIN_COMMAND_ALLOWLIST: `${root}/plugins/*` };
      const ok = await validateJson(`file://${root}/plugins/my-plugin`, env);
      expect(ok.code).toBe(0);
      expect(ok.json).toMatchObject({ decision: 'allow-with-warnings', target: { kind: 'file', path: `${root}/plugins/${ts}/my-plugin` } });
      const out = await validateJson(`file://${root}/plugins/shell`, env);
      expect(out.code).toBe(1);
      expect(out.json.violations?.map((v) => v.code)).toEqual(['POLICY_PATH_SYMLINK_ESCAPE']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
