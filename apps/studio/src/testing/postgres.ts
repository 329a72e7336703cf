// Test setup: a throwaway PostgreSQL cluster from the Debian binaries (trust auth on 127.0.0.1, temp dir), or a reason.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempPostgres { url: string; stop(): Promise<void> }

function binDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const v = readdirSync(base).sort((a, b) => Number(b) - Number(a)).find((d) => existsSync(join(base, d, 'bin', 'initdb')));
  return v ? join(base, v, 'bin') : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
    s.once('error', reject);
  });
}

export async function startTempPostgres(): Promise<TempPostgres | { reason: string }> {
  const bin = binDir();
  if (!bin) return { reason: 'PostgreSQL server binaries (Debian postgresql) are not installed' };
  const dir = mkdtempSync(join(tmpdir(), 'studio-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] as const : [cmd, args] as const);
  try {
    const [c, a] = run(join(bin, 'initdb'), ['-D', data, '-U', 'plugway', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    execFileSync(c, [...a], { stdio: 'ignore', timeout: 120_000 });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return { reason: `initdb failed: ${(e as Error).message.split('\n')[0]}` };
  }
  const port = await freePort();
  const [c, a] = run(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off']);
  const child: ChildProcess = spawn(c, [...a], { stdio: 'ignore' });
  const url = `postgres://plugway@127.0.0.1:${port}/postgres`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const pg = (await import('pg')).default;
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) break;
    const client = new pg.Client({ connectionString: url });
    try { await client.connect(); await client.end(); return { url, stop }; } catch { await client.end().catch(() => undefined); await new Promise((r) => setTimeout(r, 200)); }
  }
  await stop();
  return { reason: 'the temporary PostgreSQL server did not accept connections' };
}
