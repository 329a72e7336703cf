// A preload for the side-by-side bench's A/B knob, not shipped: the process starts n children (`?n`, default 10) that
// exit at once (`/bin/true`, stdio piped as a plugin's is) and then runs unchanged — does having forked children, and
// nothing else of a plugin, change what a request costs? E.g.:
//   BENCH_ONLY='edge, no plugins' BENCH_AB_NODE_ARGS='--import=./apps/edge-gateway/bench/preload-fork.mjs?1;--import=./apps/edge-gateway/bench/preload-fork.mjs?10' npm run bench side-by-side
import { spawn } from 'node:child_process';

const n = Number(new URL(import.meta.url).search.slice(1) || 10);
for (let i = 0; i < n; i++) spawn('/bin/true', [], { stdio: ['pipe', 'pipe', 'pipe'] }).stdout.resume();
