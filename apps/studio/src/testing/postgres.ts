// Test setup: a throwaway PostgreSQL cluster from Debian's binaries (trust auth on 127.0.0.1, temp dir, free port).
// The binaries are installed with apt when missing; any failure throws, so a test that needs PostgreSQL never skips.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import pg from 'pg';

export interface TempPostgres {
  url: string;
  /** Stops the server abruptly (immediate shutdown, like a crash); the data stays. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and data directory. */
  restart(): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

const BASE = '/usr/lib/postgresql';

function binDir(): string | undefined {
  if (!existsSync(BASE)) return undefined;
  const v = readdirSync(BASE).sort((a, b) => Number(b) - Number(a)).find((d) => existsSync(join(BASE, d, 'bin', 'initdb')));
  return v ? join(BASE, v, 'bin') : undefined;
}

/** The server binaries' directory; installs Debian's `postgresql` when missing (without its default cluster). */
export function ensurePostgresInstalled(): string {
  const found = binDir();
  if (found) return found;
  // postgresql-common's postinst would create and start a "main" cluster on 5432; the tests never use it.
  const conf = '/etc/postgresql-common/createcluster.conf';
  if (!existsSync(conf)) { mkdirSync('/etc/postgresql-common', { recursive: true }); writeFileSync(conf, 'create_main_cluster = false\n'); }
  aptInstall('postgresql');
  const bin = binDir();
  if (!bin) throw new Error(`apt-get install postgresql left no ${BASE}/<version>/bin/initdb`);
  return bin;
}

function aptInstall(pkg: string): void {
  const args = ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '--no-install-recommends', pkg];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', args, { stdio: 'pipe', timeout: 900_000, env });
  } catch {
    // A fresh machine has no package lists yet.
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'update'], { stdio: 'pipe', timeout: 900_000, env });
    execFileSync('apt-get', args, { stdio: 'pipe', timeout: 900_000, env });
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
    s.once('error', reject);
  });
}

async function accepts(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try { await client.connect(); return true; } catch { return false; } finally { await client.end().catch(() => undefined); }
}

/** Starts a fresh cluster; throws (never skips) when PostgreSQL cannot be installed or started. */
export async function startTempPostgres(): Promise<TempPostgres> {
  const bin = ensurePostgresInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'studio-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  // initdb and postgres refuse to run as root.
  const asRoot = process.getuid?.() === 0;
  const cmd = (c: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', c, ...args]] : [c, args]);
  try {
    const [c, a] = cmd(join(bin, 'initdb'), ['-D', data, '-U', 'plugway', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    execFileSync(c, a, { stdio: 'pipe', timeout: 120_000 });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  const port = await freePort();
  const url = `postgres://plugway@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | undefined;
  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  const start = async (): Promise<void> => {
    const [c, a] = cmd(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off']);
    const proc = spawn(c, a, { stdio: 'ignore' });
    child = proc;
    for (let i = 0; i < 150 && proc.exitCode === null; i++) {
      if (await accepts(url)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    await halt('SIGKILL');
    throw new Error('the temporary PostgreSQL server did not accept connections');
  };
  const stop = async (): Promise<void> => { await halt('SIGINT'); rmSync(dir, { recursive: true, force: true }); };
  try {
    await start();
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url, stop, restart: start,
    kill: async () => {
      // SIGQUIT is PostgreSQL's immediate shutdown: no checkpoint, crash recovery on the next start — a crash, but one
      // that leaves no orphaned backends holding shared memory. Sent to the postmaster itself (runuser is in between).
      const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) { try { process.kill(pid, 'SIGQUIT'); } catch { /* already gone */ } }
      await halt('SIGQUIT');
    },
  };
}
