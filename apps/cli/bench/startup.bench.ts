// Start-up cost, compiled JavaScript vs tsx: `plugway --help` until exit, and an example plugin (header-injector, on
// @plugway/plugin-sdk) until its go-plugin handshake line, plus that plugin process's RSS. Run: `npm run bench startup`.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const RUNS = Number(process.env['BENCH_RUNS'] ?? 10);
const { ensureBuilt } = (await import(new URL('../../../tools/ensure-built.mjs', import.meta.url).href)) as { ensureBuilt: (...names: string[]) => void };
ensureBuilt('@plugway/cli', '@plugway/plugin-sdk');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function cliStart(args: string[]): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, [...args, '--help'], { cwd: REPO, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`plugway --help exited ${r.status}`);
  return performance.now() - t;
}

// Resolves at the handshake line with the time it took and the process's RSS (from /proc) at that moment.
function pluginStart(args: string[]): Promise<{ ms: number; rssMiB: number }> {
  const t = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: REPO, stdio: ['ignore', 'pipe', 'ignore'], env: { PATH: process.env['PATH'] ?? '', AI_STUDIO_PLUGIN: 'v1', PLUGIN_PROTOCOL_VERSIONS: '1' },
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`plugin exited ${code} before its handshake`)));
    child.stdout.once('data', () => {
      const ms = performance.now() - t;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
      child.removeAllListeners('exit');
      child.kill('SIGKILL');
      resolve({ ms, rssMiB: Number(rss ?? 0) / 1024 });
    });
  });
}

const cases = {
  'plugway --help, node apps/cli/dist/main.js': ['apps/cli/dist/main.js'],
  'plugway --help, tsx apps/cli/src/main.ts': ['--import', 'tsx', 'apps/cli/src/main.ts'],
};
for (const [name, args] of Object.entries(cases)) {
  cliStart(args); // warm the file cache
  const ms = Array.from({ length: RUNS }, () => cliStart(args));
  console.log(`${name.padEnd(50)} median ${median(ms).toFixed(0).padStart(5)} ms  (min ${Math.min(...ms).toFixed(0)}, ${RUNS} runs)`);
}
const plugins = {
  'plugin handshake, node examples/dist/…/plugin.js': ['examples/dist/header-injector/plugin.js'],
  'plugin handshake, tsx examples/…/plugin.ts': ['--import', 'tsx', 'examples/header-injector/plugin.ts'],
};
for (const [name, args] of Object.entries(plugins)) {
  await pluginStart(args);
  const runs: Array<{ ms: number; rssMiB: number }> = [];
  for (let i = 0; i < RUNS; i++) runs.push(await pluginStart(args));
  console.log(`${name.padEnd(50)} median ${median(runs.map((r) => r.ms)).toFixed(0).padStart(5)} ms  RSS ${median(runs.map((r) => r.rssMiB)).toFixed(0)} MiB at handshake`);
}
