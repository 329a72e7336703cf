import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnPluginProcess, type PluginProcess, type SpawnRequest } from './spawner.js';
import { alive, ppid } from './__fixtures__/processes.js';

const SH = '/bin/sh';
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SPAWNER = fileURLToPath(new URL('./spawner.ts', import.meta.url));


const started: PluginProcess[] = [];
afterEach(() => {
  for (const c of started.splice(0)) if (c.pid && alive(c.pid)) process.kill(c.pid, 'SIGKILL');
});

function run(script: string, env: Record<string, string> = {}): PluginProcess {
  const c = spawnPluginProcess({ command: SH, args: ['-c', script], env });
  started.push(c);
  return c;
}
const spawned = (c: PluginProcess): Promise<number> => new Promise((resolve, reject) => {
  if (c.pid) { resolve(c.pid); return; }
  c.once('spawn', () => resolve(c.pid ?? 0)).once('error', reject);
});
const exited = (c: PluginProcess): Promise<[number | null, string | null]> => new Promise((resolve) => {
  if (c.exitCode !== null || c.signalCode !== null) { resolve([c.exitCode, c.signalCode]); return; }
  c.once('exit', (code: number | null, signal: string | null) => resolve([code, signal]));
});
const text = async (s: NodeJS.ReadableStream): Promise<string> => { let out = ''; for await (const chunk of s) out += String(chunk); return out; };

describe('spawnPluginProcess through the helper (real processes)', () => {
  it('starts every plugin from one helper process, not from the host, with only the environment it names', async () => {
    const a = run('echo "out $FOO ${NODE_OPTIONS:-none} ${HOME:-nohome}"; echo err >&2; sleep 30', { FOO: 'bar' });
    const b = run('sleep 30');
    const [pa, pb] = await Promise.all([spawned(a), spawned(b)]);
    const helper = ppid(pa);
    expect(helper).not.toBe(process.pid);
    expect(ppid(pb)).toBe(helper);
    expect(ppid(helper)).toBe(process.pid);
    const firstLine = await new Promise<string>((resolve) => a.stdout.once('data', (d) => resolve(String(d))));
    expect(firstLine).toBe('out bar none nohome\n');
    expect(await new Promise<string>((resolve) => a.stderr.once('data', (d) => resolve(String(d))))).toBe('err\n');
    expect(a.kill('SIGTERM')).toBe(true);
    expect(await exited(a)).toEqual([null, 'SIGTERM']);
    expect(a.signalCode).toBe('SIGTERM');
    expect(a.kill('SIGTERM')).toBe(false);
    b.kill('SIGKILL');
    expect(await exited(b)).toEqual([null, 'SIGKILL']);
  });

  it("gives a plugin no descriptor of the helper's own (its IPC channel to the host stays out of reach)", async () => {
    const fds = async (via: 'helper' | 'direct'): Promise<string[]> => {
      const c = spawnPluginProcess({ command: SH, args: ['-c', 'exec ls /proc/self/fd'], env: {} }, via);
      started.push(c);
      return (await text(c.stdout)).split('\n').filter(Boolean).filter((fd) => fd !== '3'); // 3: ls's own directory
    };
    const [helper, direct] = await Promise.all([fds('helper'), fds('direct')]);
    expect(helper).toEqual(direct); // 0, 1, 2 and whatever the test runner itself inherited
    expect(helper.slice(0, 3)).toEqual(['0', '1', '2']);
  });

  it('reports the exit code and ends stdout and stderr after the last line', async () => {
    const c = run('printf "a\\nb\\n"; printf "é-multibyte\\n" >&2; exit 7');
    const [out, err, code] = await Promise.all([text(c.stdout), text(c.stderr), exited(c)]);
    expect({ out, err, code }).toEqual({ out: 'a\nb\n', err: 'é-multibyte\n', code: [7, null] });
  });

  it('fails a missing executable as a ChildProcess does: an ENOENT error, no pid, no exit event', async () => {
    const c = spawnPluginProcess({ command: '/nonexistent/plugin-binary', args: [], env: {} });
    let exits = 0;
    c.on('exit', () => { exits++; });
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => c.once('error', resolve));
    expect(err.code).toBe('ENOENT');
    expect(err.message).toContain('/nonexistent/plugin-binary');
    expect(c.pid).toBeUndefined();
    expect(c.exitCode).not.toBeNull();
    await new Promise((r) => setTimeout(r, 50));
    expect(exits).toBe(0);
  });

  it('when the helper is killed, its plugins are killed and reported exited, and the next plugin gets a new helper', async () => {
    const a = run('sleep 30');
    const pa = await spawned(a);
    const helper = ppid(pa);
    process.kill(helper, 'SIGKILL');
    expect(await exited(a)).toEqual([null, 'SIGKILL']);
    await expect.poll(() => alive(pa), { timeout: 5000 }).toBe(false);
    const b = run('sleep 30');
    const pb = await spawned(b);
    expect(ppid(pb)).not.toBe(helper);
    b.kill('SIGKILL');
    await exited(b);
  });

  it('kills its plugins when the host is killed with SIGKILL (no orphans)', async () => {
    // A throwaway host starts a plugin through the helper, prints its pid, and is then killed hard.
    const script = `import { spawnPluginProcess } from ${JSON.stringify(SPAWNER)};
const c = spawnPluginProcess({ command: '/bin/sh', args: ['-c', 'sleep 60'], env: {} });
c.once('spawn', () => process.stdout.write('pid=' + c.pid + ' '));`;
    const host = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
    let pid = 0;
    try {
      const first = await new Promise<string>((resolve, reject) => {
        host.stdout.once('data', (d: Buffer) => resolve(d.toString()));
        host.once('exit', (code) => reject(new Error(`throwaway host exited ${code}`)));
      });
      pid = Number(/pid=(\d+)/.exec(first)?.[1]);
      expect(pid, `the throwaway host printed ${JSON.stringify(first)}`).toBeGreaterThan(0);
      host.kill('SIGKILL');
      await expect.poll(() => alive(pid), { timeout: 10_000, interval: 100 }).toBe(false);
    } finally {
      if (host.exitCode === null && host.signalCode === null) host.kill('SIGKILL');
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it("forks from the host itself with 'direct'", async () => {
    const req: SpawnRequest = { command: SH, args: ['-c', 'sleep 30'], env: {} };
    const c = spawnPluginProcess(req, 'direct');
    started.push(c);
    expect(ppid(await spawned(c))).toBe(process.pid);
    c.kill('SIGKILL');
    expect(await exited(c)).toEqual([null, 'SIGKILL']);
  });
});
