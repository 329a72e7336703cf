// A preload for the side-by-side bench's A/B knob, not shipped: 2 s after the preload (after the edge's start, so the
// nextTick caveat of the other preloads does not apply) the process starts one idle worker thread and keeps it alive
// for its whole life — what the edge's plugin spawner thread adds to a process, without any plugin. Does a second V8
// isolate in the process make the main thread's requests dearer? E.g.:
//   BENCH_ONLY='edge, no plugins' BENCH_AB_NODE_ARGS='--import=./apps/edge-gateway/bench/preload-worker.mjs' npm run bench side-by-side
import { Worker } from 'node:worker_threads';

setTimeout(() => {
  const worker = new Worker('setInterval(() => undefined, 1 << 30);', { eval: true });
  worker.unref();
}, 2000).unref();
