// What `plugway package` produces, measured against the alternatives it was chosen over: artifact size (raw and
// gzipped) per example, a Node single executable application's lower bound (the node binary it copies), and the time
// from spawn to the go-plugin handshake line for the packaged file vs the tsx wrapper.
// Run: `npm run bench package` (BENCH_STARTS=5 starts per variant).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { runCli } from '../src/cli.js';
import { memoryIo } from '../src/testing-io.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const STARTS = Number(process.env['BENCH_STARTS'] ?? 5);
const work = mkdtempSync(join(tmpdir(), 'cli-package-bench-'));
const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;

// Time until the plugin prints its handshake line, then stop it.
function handshakeMs(cmd: string, args: string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(cmd, args, { cwd, env: { PATH: process.env['PATH'] ?? '', AI_STUDIO_PLUGIN: 'v1', PLUGIN_PROTOCOL_VERSIONS: '1' }, stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.once('data', () => { const ms = performance.now() - t; child.kill('SIGTERM'); resolve(ms); });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code} before its handshake`)));
  });
}
async function median(fn: () => Promise<number>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < STARTS; i++) xs.push(await fn());
  return xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

try {
  for (const name of ['header-injector', 'api-key-auth', 'response-modifier']) {
    const out = join(work, name);
    const t = performance.now();
    const code = await runCli(['package', join(REPO, 'examples', name), '--out', out], memoryIo());
    if (code !== 0) throw new Error(`plugway package examples/${name} exited ${code}`);
    const bytes = readFileSync(out);
    console.log(`${name.padEnd(18)} package ${(performance.now() - t).toFixed(0)} ms   ${kib(bytes.length)} (${kib(gzipSync(bytes).length)} gzipped)`);
  }
  console.log(`Node SEA lower bound: the node binary it copies, ${(statSync(process.execPath).size / 1e6).toFixed(1)} MB (${process.execPath}, Node ${process.versions.node}), per plugin and platform`);
  const packaged = await median(() => handshakeMs(process.execPath, [join(work, 'header-injector')], work));
  const wrapper = await median(() => handshakeMs(process.execPath, ['--import', 'tsx', join(REPO, 'examples/header-injector/plugin.ts')], REPO));
  console.log(`spawn → handshake, median of ${STARTS}: packaged ${packaged.toFixed(0)} ms, tsx from sources ${wrapper.toFixed(0)} ms`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
