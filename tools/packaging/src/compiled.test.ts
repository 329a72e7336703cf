// The programs run compiled: `npx plugway` from the repository (apps/cli's bin), `node apps/cli/dist/main.js`, and the
// example plugins from examples/dist. The builds come from this target's dependsOn (every project's build).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { cwd: REPO, encoding: 'utf8', timeout: 60_000 });

describe('compiled programs', () => {
  it('npx plugway --help and node apps/cli/dist/main.js --help print the usage', () => {
    expect(run('npx', ['--no-install', 'plugway', '--help'])).toMatch(/^Usage: plugway <command>/);
    expect(run(process.execPath, ['apps/cli/dist/main.js', '--help'])).toMatch(/^Usage: plugway <command>/);
  }, 90_000);

  it('an example plugin starts from examples/dist (no tsx) and answers the go-plugin handshake', async () => {
    expect(existsSync(join(REPO, 'examples/dist/header-injector/plugin.js'))).toBe(true);
    // The wrapper execs node; the process's command line shows which file it runs.
    const child = spawn(join(REPO, 'examples/header-injector/plugin'), [], {
      env: { PATH: process.env['PATH'] ?? '', AI_STUDIO_PLUGIN: 'v1', PLUGIN_PROTOCOL_VERSIONS: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(d.toString()));
      child.once('exit', (code) => reject(new Error(`plugin exited ${code}`)));
    });
    const args = execFileSync('ps', ['-o', 'args=', '-p', String(child.pid)], { encoding: 'utf8' });
    child.kill('SIGTERM');
    expect(line).toMatch(/^1\|1\|unix\|/);
    expect(args).toContain('examples/dist/header-injector/plugin.js');
    expect(args).not.toContain('tsx');
  });
});
