// A preload for the side-by-side bench's A/B knob, not shipped: the process starts n children (`?n`, default 10) that
// exit at once (`/bin/true`, stdio piped as a plugin's is) and then runs unchanged — does having forked children, and
// nothing else of a plugin, change what a request costs? `?n,worker` forks them from a worker thread (the same process,
// another V8 isolate), which ends before the edge starts. E.g.:
//   BENCH_ONLY='edge, no plugins' BENCH_AB_NODE_ARGS='--import=./apps/edge-gateway/bench/preload-fork.mjs?1;--import=./apps/edge-gateway/bench/preload-fork.mjs?10' npm run bench side-by-side
// Caveat: a preload that calls process.nextTick a few dozen times before the edge starts leaves nextTick's object
// literal megamorphic for the whole process (edge README, "What is left", "Correction"): what such an A/B measures is
// that, not the work the preload does.
import { spawn } from 'node:child_process';

const [count = '10', ...flags] = new URL(import.meta.url).search.slice(1).split(',');
const n = Number(count);
if (flags.includes('worker')) {
  const { Worker } = await import('node:worker_threads');
  const source = `const { spawn } = require('node:child_process'); let left = ${n};
for (let i = 0; i < ${n}; i++) { const c = spawn('/bin/true', [], { stdio: ['pipe', 'pipe', 'pipe'] }); c.stdout.resume(); c.once('exit', () => { if (--left === 0) process.exit(0); }); }`;
  await new Promise((resolve) => new Worker(source, { eval: true }).once('exit', resolve));
} else {
  for (let i = 0; i < n; i++) spawn('/bin/true', [], { stdio: ['pipe', 'pipe', 'pipe'] }).stdout.resume();
}
