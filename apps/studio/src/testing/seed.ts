// Replays the seed's curl requests (src/__fixtures__/seed-requests.sh) byte for byte with the real curl binary.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SeedRequest { expect: number; what: string; command: string }

/** curl from Debian (installed with apt on a fresh machine, as the other test tools are). */
export function ensureCurl(): void {
  if (existsSync('/usr/bin/curl')) return;
  execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '--no-install-recommends', 'curl'], { stdio: 'ignore', timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** The fixture's requests in order, each with the status its `# expect:` line names. */
export function seedRequests(): SeedRequest[] {
  const text = readFileSync(new URL('../__fixtures__/seed-requests.sh', import.meta.url), 'utf8');
  return text.split(/\n\s*\n/).flatMap((block) => {
    const m = /^# expect: (\d{3}) (.*)\n(curl [^]*)$/.exec(block.trim());
    return m ? [{ expect: Number(m[1]), what: m[2]!, command: m[3]! }] : [];
  });
}

/**
 * Runs one printed command through `sh` after plain-text substitutions; a private `.curlrc` adds only `--silent`
 * and a status line, so the command itself stays as printed.
 */
export async function replay(command: string, subs: Record<string, string>): Promise<{ status: number; body: string }> {
  let cmd = command;
  for (const [from, to] of Object.entries(subs)) cmd = cmd.split(from).join(to);
  const home = mkdtempSync(join(tmpdir(), 'seed-curl-'));
  writeFileSync(join(home, '.curlrc'), 'silent\nwrite-out = "\\n%{http_code}"\n');
  try {
    const out = await new Promise<string>((resolve, reject) => {
      execFile('sh', ['-c', cmd], { env: { PATH: process.env['PATH'] ?? '', HOME: home, CURL_HOME: home }, timeout: 60_000 }, (e, stdout) => (e ? reject(e) : resolve(stdout)));
    });
    const nl = out.lastIndexOf('\n');
    return { status: Number(out.slice(nl + 1)), body: out.slice(0, nl) };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
