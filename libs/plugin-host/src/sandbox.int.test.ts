// Least privilege, checked from inside a real plugin process: a shell wrapper reports `id`, `pwd`, `umask`, `ulimit -a`
// and its open descriptors on stderr (forwarded to the host logger), then execs the go-plugin fixture.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@plugway/core';
import { launchPlugin, PluginHostError, resolveSandbox, type AppliedSandbox, type PluginConnection } from './index.js';

const FIXTURE = fileURLToPath(new URL('./__fixtures__/fixture-plugin.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const ROOT = process.getuid!() === 0;

let dir: string;
let wrapper: string;
beforeAll(() => {
  // mkdtemp makes a 0700 directory: `nobody` cannot reach the wrapper, so the host runs a staged copy of it.
  dir = mkdtempSync(join(tmpdir(), 'sandbox-'));
  wrapper = join(dir, 'report-plugin');
  writeFileSync(wrapper, [
    '#!/bin/sh',
    'echo "report id=$(id -u):$(id -g) groups=$(id -G)" >&2',
    'echo "report pwd=$(pwd) home=$HOME tmp=$TMPDIR" >&2',
    'echo "report empty=$(ls -A | wc -l) umask=$(umask) fds=$(ls /proc/self/fd | tr \'\\n\' \' \')" >&2',
    ': > probe && echo "report probe=$(stat -c %a probe)" >&2 && rm probe',
    'ulimit -a | sed "s/^/report ulimit /" >&2',
    `cd ${JSON.stringify(REPO)} && exec ${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(FIXTURE)}`,
  ].join('\n') + '\n');
  chmodSync(wrapper, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function launchReporting(sandbox: Awaited<ReturnType<typeof resolveSandbox>>): Promise<{ conn: PluginConnection; report: string[]; applied: AppliedSandbox }> {
  const report: string[] = [];
  const rec = (msg: string): void => { if (msg.startsWith('report ')) report.push(msg.slice(7)); };
  const logger: Logger = { debug: rec, info: rec, warn: rec, error: rec, child: () => logger };
  let applied: AppliedSandbox | undefined;
  const conn = await launchPlugin({ path: wrapper, hostEnv: process.env, env: { FIXTURE_MODE: 'ok' }, startupTimeoutMs: 60_000, logger, sandbox, onSandbox: (a) => { applied = a; } });
  return { conn, report, applied: applied! };
}

describe('launchPlugin with a sandbox (real child process)', () => {
  it('runs as the unprivileged user, in a private empty 0700 directory, umask 077, stdio only, with the limits', async () => {
    const plan = await resolveSandbox({ limits: { addressSpaceBytes: 64 * 2 ** 30, openFiles: 256, processes: 4096, cpuSeconds: 3600 } });
    const { conn, report, applied } = await launchReporting(plan);
    try {
      const uid = ROOT ? 65534 : process.getuid!();
      expect(applied).toMatchObject({ uid, umask: '0077', fds: 'stdio-only', limits: { openFiles: 256, processes: 4096 } });
      if (ROOT) expect(applied).toMatchObject({ user: 'nobody', staged: expect.stringContaining('.exe/0-report-plugin') });
      expect(report).toContain(`id=${uid}:${applied.gid} groups=${applied.gid}`);
      expect(report).toContain(`pwd=${applied.workDir} home=${applied.workDir} tmp=${applied.workDir}`);
      expect(report).toContain('empty=0 umask=0077 fds=0 1 2 3 ');
      expect(report).toContain('probe=600');
      const ulimit = report.filter((l) => l.startsWith('ulimit ')).join('\n');
      expect(ulimit).toMatch(/nofiles\s+256/);
      expect(ulimit).toMatch(/vmemory\(kbytes\)\s+67108864/);
      expect(ulimit).toMatch(/process\s+4096/);
      expect(ulimit).toMatch(/time\(seconds\)\s+3600/);
      expect(await conn.health()).toBe('SERVING');
    } finally {
      await conn.close();
    }
    // the private working directory (and the staged copy) are gone when close() resolves: a host that exits right after
    // stopping its plugins leaves nothing behind
    expect(existsSync(applied.workDir) || existsSync(`${applied.workDir}.exe`)).toBe(false);
  });

  it("stops and removes what a killed host left behind (launch directories named by a pid that is gone, or by this process's own and older than it), and nothing else", async () => {
    const root = mkdtempSync(join(tmpdir(), 'sandbox-root-'));
    chmodSync(root, 0o711);
    const dead = spawnSync('true').pid; // exited and reaped: its pid names no process now
    const living = spawn('sleep', ['60']);
    // go-3: a former host with this process's pid (as a restarted container's entrypoint has: last changed before this
    // process started); go-4: this pid's, made since (another copy of the library in this process); go-2, the last: kept
    const names = [
      `go-1-p${dead}-AbC123`, `go-1-p${dead}-AbC123.exe`, `go-3-p${process.pid}-Qwe456`,
      `go-2-p${living.pid}-XyZ789`, `go-4-p${process.pid}-Rty789`, 'made-by-hand',
    ];
    for (const n of names) mkdirSync(join(root, n));
    const before = new Date(performance.timeOrigin - 60_000);
    utimesSync(join(root, names[2]!), before, before);
    writeFileSync(join(root, names[1]!, '0-plugin'), 'staged copy');
    // the dead host's plugin, still running in its launch directory; and a process of the living host's
    const orphan = spawn('sleep', ['60'], { cwd: join(root, names[0]!) });
    const kept = spawn('sleep', ['60'], { cwd: join(root, names[3]!) });
    const orphanEnd = new Promise((r) => orphan.once('exit', (_code, signal) => r(signal)));
    try {
      const { conn } = await launchReporting(await resolveSandbox({ workRoot: root }));
      await conn.close();
      expect(readdirSync(root).sort()).toEqual(names.slice(3).sort());
      expect(await orphanEnd).toBe('SIGKILL');
      expect(kept.exitCode).toBeNull();
    } finally {
      for (const c of [living, orphan, kept]) c.kill('SIGKILL');
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses to run a plugin as root unless allowRoot is set', async () => {
    const e = await resolveSandbox({ user: 'root' }, { uid: 0, gid: 0 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PluginHostError);
    expect(e).toMatchObject({ code: 'PLUGIN_RUN_AS_ROOT_REFUSED' });
    expect(await resolveSandbox({ user: 0, allowRoot: true }, { uid: 0, gid: 0 })).toMatchObject({ user: 'root', uid: 0, gid: 0 });
    expect(await resolveSandbox({}, { uid: 0, gid: 0 })).toMatchObject({ user: 'nobody', uid: 65534 });
    expect(await resolveSandbox({}, { uid: 1234, gid: 1234 })).toMatchObject({ uid: 1234, gid: 1234 });
    expect(await resolveSandbox({ user: 'nobody', group: 'nogroup' }, { uid: 0, gid: 0 })).toMatchObject({ uid: 65534, group: 'nogroup' });
  });

  it('refuses a working-directory root that others can write to (a shared /tmp made first by someone else)', async () => {
    const shared = join(dir, 'shared');
    mkdirSync(shared, { mode: 0o777 });
    chmodSync(shared, 0o777);
    const plan = await resolveSandbox({ workRoot: shared });
    await expect(launchPlugin({ path: wrapper, hostEnv: process.env, sandbox: plan })).rejects.toMatchObject({ code: 'PLUGIN_SANDBOX_FAILED' });
  });

  it.each([
    [{ user: 'no-such-user-here' }, { uid: 0, gid: 0 }],
    [{ group: 'no-such-group-here' }, { uid: 0, gid: 0 }],
    [{ user: 'nobody' }, { uid: 1234, gid: 1234 }],
  ])('%j on host %j is PLUGIN_SANDBOX_FAILED', async (opts, host) => {
    await expect(resolveSandbox(opts, host)).rejects.toMatchObject({ code: 'PLUGIN_SANDBOX_FAILED' });
  });
});
