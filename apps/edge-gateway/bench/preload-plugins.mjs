// A preload for the side-by-side bench's A/B knob, not shipped: before the edge starts, the process launches n Go
// echo plugins with plugin-host's launchPlugin (health check, stdio and broker streams, as the edge does) and then
// keeps them (`keep`) or closes them all (`close`), started from plugin-host's spawner thread (the default) or from
// the main thread (`direct`); with `thread` all of it runs in a worker thread that ends before the edge starts (the
// main isolate runs none of the launch code). The edge itself runs with no plugins. Does a process that runs, or once ran, plugins pay more per
// request on a route without them? E.g.:
//   BENCH_ONLY='edge, no plugins' BENCH_AB_NODE_ARGS='--import=./apps/edge-gateway/bench/preload-plugins.mjs?10,close;--import=./apps/edge-gateway/bench/preload-plugins.mjs?10,keep' npm run bench side-by-side
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchPlugin } from '../../../libs/plugin-host/dist/index.js';

const [count = '10', ...flags] = new URL(import.meta.url).search.slice(1).split(',');
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const out = `${repo}node_modules/.cache/plugway-bench/go`;
// Built once (the build is a fork of its own; later processes find the binary and fork nothing but their plugins).
const plugin = existsSync(`${out}/echo-plugin`) ? `${out}/echo-plugin`
  : execFileSync(`${repo}tools/go-plugins/build.sh`, [out, 'echo-plugin'], { encoding: 'utf8' }).trim().split('\n').at(-1);
const spawnVia = flags.includes('direct') ? 'direct' : 'worker';
if (flags.includes('thread')) {
  const { Worker } = await import('node:worker_threads');
  const host = new URL('../../../libs/plugin-host/dist/index.js', import.meta.url).href;
  const source = `import(${JSON.stringify(host)}).then(async ({ launchPlugin }) => {
  const conns = await Promise.all(Array.from({ length: ${Number(count)} }, () => launchPlugin({ path: ${JSON.stringify(plugin)}, hostEnv: process.env, spawnVia: 'direct' })));
  await Promise.all(conns.map((c) => c.close()));
  process.exit(0);
});`;
  await new Promise((resolve) => new Worker(source, { eval: true }).once('exit', resolve));
} else {
  const conns = await Promise.all(Array.from({ length: Number(count) }, () => launchPlugin({ path: plugin, hostEnv: process.env, spawnVia })));
  if (flags.includes('close')) await Promise.all(conns.map((c) => c.close()));
}
