// Issue #15 end to end through the plugin manager: the seed's Kubernetes ConfigMap layout with PLUGIN_COMMAND_ALLOWLIST
// `/plugins/*` validates and runs, as an unprivileged user with limits (read back from /proc), and a `..data` swapped
// after the check never changes what a restart runs.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPluginManager, type PluginManager, type RuntimeSettingsInput } from './index.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const ROOT = process.getuid!() === 0;
const TS = '..2026_12_01_10_00_00.123';
let work: string;
let plugins: string;
const managers: PluginManager[] = [];

function script(rel: string, body: string): void {
  mkdirSync(join(plugins, rel, '..'), { recursive: true });
  writeFileSync(join(plugins, rel), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'least-priv-'));
  chmodSync(work, 0o755);
  plugins = join(work, 'plugins');
  // The kubelet's ConfigMap layout (defaultMode 0755): my-plugin → ..data/my-plugin, ..data → ..<timestamp>
  script(`${TS}/my-plugin`, `cd "${REPO}" && exec "\${PLUGWAY_NODE:-node}" --import tsx "${REPO}/examples/header-injector/plugin.ts"`);
  symlinkSync(TS, join(plugins, '..data'));
  symlinkSync('..data/my-plugin', join(plugins, 'my-plugin'));
});
afterEach(async () => { for (const m of managers.splice(0)) await m.close(); });
afterAll(() => rmSync(work, { recursive: true, force: true }));

function manager(sandbox: NonNullable<RuntimeSettingsInput['pluginHost']>['sandbox']): PluginManager {
  const m = createPluginManager({
    policy: { allowlist: [`${plugins}/*`] },
    pluginHost: { startupTimeoutMs: 30_000, callTimeoutMs: 5_000, shutdownTimeoutMs: 2_000, maxRestarts: 5, restartWindowMs: 60_000, restartBackoffMs: 50, sandbox },
  }, { hostEnv: process.env });
  managers.push(m);
  return m;
}

const procField = (pid: number, file: string, re: RegExp): string | undefined => re.exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'))?.[1];

describe('a ConfigMap-mounted plugin with least privilege', () => {
  it('runs the checked real path as the unprivileged user with the runtime and plugin limits, and a restart never re-reads the name', async () => {
    const m = manager({ limits: { openFiles: 512, processes: 8192 } });
    const { plugin } = await m.register({ id: 'cm', name: 'CM', slug: 'cm', command: `file://${plugins}/my-plugin`, hookType: 'pre_auth', config: { 'x-from': 'configmap' }, sandbox: { limits: { openFiles: 300 } } });
    const uid = ROOT ? 65534 : process.getuid!();
    expect(plugin).toMatchObject({ state: 'running', target: `${plugins}/${TS}/my-plugin`, warnings: [{ code: 'POLICY_WARN_SYMLINK' }] });
    expect(plugin.sandbox).toMatchObject({ uid, umask: '0077', fds: 'stdio-only', limits: { openFiles: 300, processes: 8192 } });
    // What the kernel says about the running plugin process
    const pid = plugin.pid!;
    expect(procField(pid, 'status', /^Uid:\s+(\d+)/m)).toBe(String(uid));
    expect(procField(pid, 'limits', /^Max open files\s+(\d+\s+\d+)/m)).toMatch(/^300\s+300$/);
    expect(procField(pid, 'limits', /^Max processes\s+(\d+)/m)).toBe('8192');
    // (the example's wrapper cd's to the repository; its HOME and TMPDIR are the private working directory)
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain(`TMPDIR=${plugin.sandbox!.workDir}`);
    expect(procField(pid, 'status', /^Umask:\s+(\d+)/m)).toBe('0077');

    // The kubelet swaps ..data to a new version after the check: the restart still runs the checked file.
    script('..2026_12_02/my-plugin', 'echo "not the checked plugin" >&2; exit 1');
    symlinkSync('..2026_12_02', join(plugins, '..data_tmp'));
    renameSync(join(plugins, '..data_tmp'), join(plugins, '..data'));
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 200 && ((await m.health('cm')).pid === pid || (await m.health('cm')).state !== 'running'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await m.health('cm')).toMatchObject({ state: 'running', restarts: 1 });
    expect(m.getStatus('cm').target).toBe(`${plugins}/${TS}/my-plugin`);
    expect(m.getStatus('cm').sandbox!.workDir).not.toBe(plugin.sandbox!.workDir);
    await new Promise((r) => setTimeout(r, 300));
    const out = await m.callHook('cm', 'processPreAuth', { headers: {} });
    expect(out.status === 'ok' && out.response.headers).toEqual({ 'x-from': 'configmap' });
  });

  it('refuses to run a plugin as root without allowRoot, and reports the code in the status', async () => {
    const m = manager({ user: 'root' });
    const { plugin } = await m.register({ id: 'r', name: 'R', slug: 'r', command: `file://${plugins}/my-plugin`, hookType: 'pre_auth' });
    expect(plugin).toMatchObject({ state: 'error', error: { code: 'PLUGIN_RUN_AS_ROOT_REFUSED' } });
    const bad = manager({ allowRoot: false });
    const own = await bad.register({ id: 'o', name: 'O', slug: 'o', command: `file://${plugins}/my-plugin`, hookType: 'pre_auth', sandbox: { user: 0 } });
    expect(own.plugin.error?.code).toBe('PLUGIN_RUN_AS_ROOT_REFUSED');
  });
});
