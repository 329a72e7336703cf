// `npm start` as a process: embedded defaults, the demo plugin on first start, clean stop on SIGTERM, exit 2 on bad env.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function start(env: Record<string, string>): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['tools/start-studio.mjs'], { cwd: REPO, env: { PATH: process.env['PATH'] ?? '', HOME: tmpdir(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, exited };
}

describe('npm start', () => {
  it('serves on the configured port with the demo plugin, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-main-'));
    dirs.push(dir);
    const s = start({ STUDIO_DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'info' });
    await expect.poll(() => /plugway studio on (http:\/\/\S+)/.exec(s.out())?.[1], { timeout: 60_000, interval: 200 }).toBeDefined();
    const url = /plugway studio on (http:\/\/\S+)/.exec(s.out())![1]!;
    const token = readFileSync(join(dir, 'api-token'), 'utf8').trim();
    expect(s.out()).not.toContain(token);
    expect(s.out()).toContain(`API token in ${join(dir, 'api-token')}:  TOKEN=$(cat ${join(dir, 'api-token')})`);
    const list = await (await fetch(`${url}/api/v1/plugins`, { headers: { authorization: `Bearer ${token}` } })).json() as { data: Array<{ slug: string; status: { state: string; pid?: number } }> };
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({ slug: 'demo-header-injector', status: { state: 'running' } });
    const pid = list.data[0]!.status.pid!;
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.out()).toContain('studio stopped');
    expect(() => process.kill(pid, 0)).toThrow();
  }, 90_000);

  it('exits 2 listing every invalid variable (names, not values)', async () => {
    const s = start({ PORT: 'eighty', DATABASE_URL: 'mysql://root:hunter2@db/x', LOG_LEVEL: 'shout' });
    expect(await s.exited).toBe(2);
    expect(s.out()).toMatch(/PORT:/);
    expect(s.out()).toMatch(/DATABASE_URL:/);
    expect(s.out()).toMatch(/LOG_LEVEL:/);
    expect(s.out()).not.toContain('hunter2');
  }, 60_000);
});
