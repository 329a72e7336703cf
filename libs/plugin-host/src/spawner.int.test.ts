import { afterEach, describe, expect, it } from 'vitest';
import { endSpawnerThread, spawnPluginProcess, type PluginProcess, type SpawnVia } from './spawner.js';
import { alive, ppid, state } from './__fixtures__/processes.js';

const SH = '/bin/sh';

const started: PluginProcess[] = [];
afterEach(() => {
  for (const c of started.splice(0)) if (c.pid && alive(c.pid)) process.kill(c.pid, 'SIGKILL');
});

function run(script: string, env: Record<string, string> = {}, via?: SpawnVia): PluginProcess {
  const c = spawnPluginProcess({ command: SH, args: ['-c', script], env }, via);
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
/** Every line until the process exits (for the worker, its last lines come before 'exit'). */
const output = (c: PluginProcess): Promise<{ lines: string[]; exit: [number | null, string | null] }> => {
  const lines: string[] = [];
  c.on('line', (fd: number, line: string) => lines.push(`${fd}:${line}`));
  return exited(c).then((exit) => ({ lines, exit }));
};
const resources = (): string[] => process.getActiveResourcesInfo().filter((r) => r === 'ProcessWrap' || r === 'PipeWrap');

describe('spawnPluginProcess (real processes)', () => {
  it("starts plugins from a worker thread: the main thread's event loop holds no process or pipe of theirs", async () => {
    const before = resources();
    const a = run('echo "out $FOO ${NODE_OPTIONS:-none} ${HOME:-nohome}"; echo err >&2; sleep 30', { FOO: 'bar' });
    const pid = await spawned(a);
    expect(ppid(pid)).toBe(process.pid); // forked by this process (from its spawner thread)
    const got: string[] = [];
    a.on('line', (fd: number, line: string) => got.push(`${fd}:${line}`));
    await expect.poll(() => got.length).toBe(2);
    expect(got.sort()).toEqual(['1:out bar none nohome', '2:err']);
    expect(resources()).toEqual(before);
    const d = run('sleep 30', {}, 'direct');
    await spawned(d);
    expect(resources().length).toBeGreaterThan(before.length); // 'direct' is what the worker spares the main thread
    expect(a.kill('SIGTERM')).toBe(true);
    expect(await exited(a)).toEqual([null, 'SIGTERM']);
    expect(a.signalCode).toBe('SIGTERM');
    expect(a.kill('SIGTERM')).toBe(false);
    d.kill('SIGKILL');
    expect(await exited(d)).toEqual([null, 'SIGKILL']);
  });

  it('reports the exit code after the last line, split as readline splits (\\n, \\r\\n, a last line without a break)', async () => {
    const out = await output(run('printf "a\\nb\\r\\n"; printf "é-multibyte\\nlast" >&2; exit 7'));
    expect(out.exit).toEqual([7, null]);
    expect(out.lines.filter((l) => l.startsWith('1:'))).toEqual(['1:a', '1:b']);
    expect(out.lines.filter((l) => l.startsWith('2:'))).toEqual(['2:é-multibyte', '2:last']);
  });

  it('fails a missing executable as a ChildProcess does: an ENOENT error, no pid, no exit event', async () => {
    for (const via of ['worker', 'direct'] as const) {
      const c = spawnPluginProcess({ command: '/nonexistent/plugin-binary', args: [], env: {} }, via);
      let exits = 0;
      c.on('exit', () => { exits++; });
      const err = await new Promise<NodeJS.ErrnoException>((resolve) => c.once('error', resolve));
      expect(err.code, via).toBe('ENOENT');
      expect(err.message).toContain('/nonexistent/plugin-binary');
      expect(c.pid).toBeUndefined();
      expect(c.exitCode).not.toBeNull();
      await new Promise((r) => setTimeout(r, 50));
      expect(exits).toBe(0);
    }
  });

  it('gives a plugin the same descriptors either way (0, 1, 2 and what the test runner itself inherited)', async () => {
    const fds = async (via: SpawnVia): Promise<string[]> => {
      const out = await output(run('exec ls /proc/self/fd', {}, via));
      return out.lines.map((l) => l.slice(2)).filter((fd) => fd !== '3'); // 3: ls's own directory
    };
    const [worker, direct] = await Promise.all([fds('worker'), fds('direct')]);
    expect(worker).toEqual(direct);
    expect(worker.slice(0, 3)).toEqual(['0', '1', '2']);
  });

  it('kills and reports exited the plugins of a spawner thread that ends, and starts the next plugin from a new one', async () => {
    const a = run('sleep 30');
    const b = run('sleep 30');
    const pids = await Promise.all([spawned(a), spawned(b)]);
    const waits = [exited(a), exited(b)];
    await endSpawnerThread();
    expect(await Promise.all(waits)).toEqual([[null, 'SIGKILL'], [null, 'SIGKILL']]);
    // Killed, not left running: gone, or a zombie (the thread that would have reaped it is gone). SIGKILL was sent,
    // not awaited, so the process may take a moment to die on a busy machine.
    for (const pid of pids) await expect.poll(() => (alive(pid) ? state(pid) : 'gone')).toMatch(/^(gone|Z)$/);
    expect(a.kill('SIGTERM')).toBe(false);
    const c = run('echo again');
    expect(await output(c)).toEqual({ lines: ['1:again'], exit: [0, null] });
  });

  it('keeps many plugins apart (each one its own lines and exit)', async () => {
    const outs = await Promise.all(Array.from({ length: 8 }, (_, i) => output(run(`echo ${i}; exit ${i}`))));
    expect(outs.map((o) => [o.lines, o.exit[0]])).toEqual(Array.from({ length: 8 }, (_, i) => [[`1:${i}`], i]));
  });
});
