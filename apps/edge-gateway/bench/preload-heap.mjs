// A preload for the side-by-side bench's A/B knob, not shipped: the process keeps ~N MB (`?N`, default 4) of small
// objects alive for its whole life and otherwise runs unchanged — does a bigger heap (the routed edge's heap is a few
// MB larger than the plugin-less one's) make each request dearer? It does no I/O and calls no process.nextTick, so it
// does not hit the preload caveat of the other preloads (edge README, "What is left", "Correction"). E.g.:
//   BENCH_ONLY='edge, no plugins' BENCH_AB_NODE_ARGS='--import=./apps/edge-gateway/bench/preload-heap.mjs?4;--import=./apps/edge-gateway/bench/preload-heap.mjs?40' npm run bench side-by-side
const mb = Number(new URL(import.meta.url).search.slice(1) || 4);
const n = Math.round(mb * 1024 * 1024 / 48);
globalThis.__plugwayBenchHeap = Array.from({ length: n }, (_, i) => ({ i, s: 'x', t: null }));
