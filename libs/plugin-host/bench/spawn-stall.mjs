// Run by plugin-spawn.bench.ts (not shipped): a Node process whose heap holds about `heapMb` MB starts `n` processes
// (`/bin/true`) through plugin-host's compiled spawner, from the main thread ('direct') or from the spawner worker
// thread ('worker'), and prints one JSON line: how long each start call blocked the main thread (its synchronous part,
// where a direct fork copies the page tables of the whole process), and the main event loop's worst delay meanwhile
// (monitorEventLoopDelay, 1 ms resolution: a fork from the worker can still hold up the main thread's page faults).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { spawnPluginProcess } from '../dist/spawner.js';

const [via, heapMb, n] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const keep = [];
for (let i = 0; i < heapMb * 1024 * 16; i++) keep.push({ i, s: `x${i}` }); // ~64 bytes each, touched
const first = spawnPluginProcess({ command: '/bin/sleep', args: ['30'], env: {} }, via);
await new Promise((resolve) => first.once('spawn', resolve));
const blocked = [];
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
for (let i = 0; i < n; i++) {
  const t = process.hrtime.bigint();
  spawnPluginProcess({ command: '/bin/true', args: [], env: {} }, via);
  blocked.push(Number(process.hrtime.bigint() - t) / 1e6);
  await new Promise((resolve) => setTimeout(resolve, 5));
}
delay.disable();
blocked.sort((a, b) => a - b);
console.log(JSON.stringify({
  via, rssMb: Math.round(process.memoryUsage().rss / 1048576), p50: blocked[Math.floor(n / 2)], max: blocked[n - 1], loopDelayMaxMs: delay.max / 1e6,
}));
first.kill('SIGKILL');
process.exit(keep.length > 0 ? 0 : 1);
