// Run by plugin-spawn.bench.ts (not shipped): a Node process whose heap holds about `heapMb` MB starts `n` processes
// (`/bin/true`) through plugin-host's compiled spawner, forking itself ('direct') or through the plugin helper
// ('helper'), and prints one JSON line: how long each start blocked this process's event loop (the synchronous part of
// the call, where a fork copies the page tables of the whole process), and the helper's memory.
import { readFileSync } from 'node:fs';
import { spawnPluginProcess } from '../dist/spawner.js';

const [via, heapMb, n] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const keep = [];
for (let i = 0; i < heapMb * 1024 * 16; i++) keep.push({ i, s: `x${i}` }); // ~64 bytes each, touched
const first = spawnPluginProcess({ command: '/bin/sleep', args: ['30'], env: {} }, via);
await new Promise((resolve) => first.once('spawn', resolve));
const blocked = [];
for (let i = 0; i < n; i++) {
  const t = process.hrtime.bigint();
  spawnPluginProcess({ command: '/bin/true', args: [], env: {} }, via);
  blocked.push(Number(process.hrtime.bigint() - t) / 1e6);
  await new Promise((resolve) => setTimeout(resolve, 5));
}
const kb = (pid, field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? NaN);
const helper = via === 'helper' ? Number(readFileSync(`/proc/${first.pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]) : undefined;
blocked.sort((a, b) => a - b);
console.log(JSON.stringify({
  via, rssMb: Math.round(kb(process.pid, 'Rss') / 1024), p50: blocked[Math.floor(n / 2)], max: blocked[n - 1],
  ...(helper ? { helperRssMb: kb(helper, 'Rss') / 1024, helperPssMb: kb(helper, 'Pss') / 1024, helperPrivateMb: kb(helper, 'Private_Dirty') / 1024 } : {}),
}));
first.kill('SIGKILL');
process.exit(keep.length > 0 ? 0 : 1);
